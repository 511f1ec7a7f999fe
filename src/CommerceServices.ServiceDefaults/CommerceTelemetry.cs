namespace CommerceServices.ServiceDefaults;

/// <summary>Names shared by the hosts' telemetry.</summary>
public static class CommerceTelemetry
{
    /// <summary>
    /// Every activity source and meter whose name starts with <c>CommerceServices.</c>: the platform's gateway steps
    /// and metrics, the connector's calls, and those of any service written on these defaults.
    /// </summary>
    public const string SourcesAndMeters = "CommerceServices.*";
}

/// <summary>The standard OpenTelemetry variables the defaults read themselves (the SDK reads the others).</summary>
public static class TelemetryVariables
{
    public const string ServiceName = "OTEL_SERVICE_NAME";
    public const string Sampler = "OTEL_TRACES_SAMPLER";
    public const string SamplerArgument = "OTEL_TRACES_SAMPLER_ARG";
    public const string OtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string SdkDisabled = "OTEL_SDK_DISABLED";
}
