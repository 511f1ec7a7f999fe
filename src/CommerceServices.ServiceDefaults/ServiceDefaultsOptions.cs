namespace CommerceServices.ServiceDefaults;

/// <summary>What a host may change in <c>AddServiceDefaults</c>; everything else comes from configuration.</summary>
public sealed class ServiceDefaultsOptions
{
    /// <summary>
    /// The host's <c>service.name</c> in traces and metrics, used when <c>OTEL_SERVICE_NAME</c> is not set. Defaults to
    /// the application's name.
    /// </summary>
    public string ServiceName { get; set; } = "";

    /// <summary>
    /// The share of new traces (requests that arrive without a sampled <c>traceparent</c>) that are recorded, when
    /// <c>OTEL_TRACES_SAMPLER</c> is not set: the sampler is then <c>parentbased_traceidratio</c> with this ratio, so a
    /// request that is part of a sampled trace is always recorded and the trace is never cut in two.
    /// </summary>
    public double DefaultSamplingRatio { get; set; } = 1.0;

    /// <summary>
    /// Gives every <see cref="System.Net.Http.HttpClient"/> of the host the standard resilience handler (retries of
    /// safe methods only, timeouts, a circuit breaker). A host whose clients each need their own retry rules (a
    /// webhook sender, a proxy) turns it off; clients with a pipeline of their own remove it
    /// (<c>RemoveAllResilienceHandlers</c>), as the connector's do.
    /// </summary>
    public bool StandardHttpResilience { get; set; } = true;
}
