using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Observability;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace CommerceServices.Platform.Scaling;

public static class ScaleOutExtensions
{
    /// <summary>
    /// What running as one of several nodes needs: key changes carried between nodes on PostgreSQL, the platform's
    /// metrics, and their OTLP export when <c>OpenTelemetry:Endpoint</c> is set.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformScaleOut(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddMetrics();
        services.AddSingleton<PlatformMetrics>();

        // Both read their configuration when the host is built, so that settings added after this call count too.
        services.AddHostedService<PostgresKeyChanges>();
        services.AddHostedService<MetricsExport>();
        return builder;
    }

    /// <summary>
    /// <c>/healthz</c>: the process answers (touches nothing, for liveness). <c>/readyz</c>: the database answers and
    /// every migration is applied (for the balancer, which takes a node that is not ready out).
    /// </summary>
    public static WebApplication MapHealthEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz");
        return app;
    }

    /// <summary>
    /// Exports the metrics over OTLP when <c>OpenTelemetry:Endpoint</c> is set. Built here with the SDK core, not
    /// through the hosting packages: one provider, made at start and flushed and disposed at shutdown.
    /// </summary>
    private sealed class MetricsExport(IConfiguration configuration) : IHostedService, IDisposable
    {
        private MeterProvider? _provider;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            var telemetry = configuration.GetSection(OpenTelemetryExportOptions.Section).Get<OpenTelemetryExportOptions>();
            if (telemetry?.Endpoint is { } endpoint)
            {
                _provider = Sdk.CreateMeterProviderBuilder()
                    .AddMeter(PlatformMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
                    .AddOtlpExporter((exporter, reader) =>
                    {
                        exporter.Endpoint = endpoint;
                        exporter.Protocol = telemetry.Protocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = telemetry.ExportIntervalMilliseconds;
                    })
                    .Build();
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            _provider?.ForceFlush(2000);
            return Task.CompletedTask;
        }

        public void Dispose() => _provider?.Dispose();
    }
}

/// <summary>The <c>OpenTelemetry</c> configuration section.</summary>
public sealed class OpenTelemetryExportOptions
{
    public const string Section = "OpenTelemetry";

    /// <summary>The OTLP collector, e.g. <c>http://127.0.0.1:4318/v1/metrics</c>; metrics are exported only when set.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary><c>http/protobuf</c> (default) or <c>grpc</c>.</summary>
    public string Protocol { get; set; } = "http/protobuf";

    public int ExportIntervalMilliseconds { get; set; } = 10_000;
}
