using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Hosting.Operator;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace CommerceServices.Platform.Observability;

public static class ObservabilityExtensions
{
    /// <summary>The share of new traces the platform records when <c>OTEL_TRACES_SAMPLER</c> is not set.</summary>
    public const double DefaultSamplingRatio = 0.01;

    /// <summary>The Prometheus scrape endpoint.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// The platform's telemetry: the shared service defaults (traces, metrics, OTLP export, health, trace ids in the
    /// logs), the platform's own meter (<see cref="PlatformMetrics"/>) and its Prometheus exporter.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformObservability(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDefaults("commerce-services-platform", o =>
        {
            // A recorded and exported gateway call costs about as much CPU again as the call itself (bench/gateway.sh,
            // docs/observability.md), so the gateway starts one trace in a hundred itself; a call that is part of a
            // sampled trace (a traceparent with the sampled flag, as the connector sends) is always recorded.
            o.DefaultSamplingRatio = DefaultSamplingRatio;
            // The platform's outgoing clients each keep their own retry rules, so no client-wide resilience handler.
            o.StandardHttpResilience = false;
        });
        builder.Services.AddSingleton<PlatformMetrics>();
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddPrometheusExporter());
        return builder;
    }

    /// <summary>
    /// <c>GET /metrics</c> in the Prometheus text format, for a scraper that sends the operator token
    /// (<c>authorization: Bearer …</c> in its scrape configuration). It answers on one listener only
    /// (<see cref="MetricsListener"/>): never anonymously, never on a gateway listener, where merchants' instances call.
    /// </summary>
    public static IEndpointRouteBuilder MapMetricsEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath)
            .RequireListener(MetricsListener(PlatformOptions.Unchecked(app.ServiceProvider.GetRequiredService<IConfiguration>())))
            .RequireAuthorization(OperatorTokenDefaults.PolicyName);
        return app;
    }

    /// <summary>
    /// The listener the scrape endpoint answers on: the operators' own (<c>Platform:OperatorUrl</c>) when one is
    /// configured, so that it can stay off the internet with the console; otherwise the portal's. The operator token is
    /// asked for on both.
    /// </summary>
    internal static PlatformListener MetricsListener(PlatformOptions options) =>
        string.IsNullOrWhiteSpace(options.OperatorUrl) ? PlatformListener.Portal : PlatformListener.Operator;
}
