using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Hosting.Operator;
using OpenTelemetry.Metrics;

namespace CommerceServices.Platform.Observability;

public static class ObservabilityExtensions
{
    /// <summary>The Prometheus scrape endpoint.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// The platform's telemetry: the shared service defaults (traces, metrics, OTLP export, health, trace ids in the
    /// logs), the platform's own meter (<see cref="PlatformMetrics"/>) and its Prometheus exporter.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformObservability(this IHostApplicationBuilder builder)
    {
        // The platform's outgoing clients each keep their own retry rules, so no client-wide resilience handler.
        builder.AddServiceDefaults("commerce-services-platform", o => o.StandardHttpResilience = false);
        builder.Services.AddSingleton<PlatformMetrics>();
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddPrometheusExporter());
        return builder;
    }

    /// <summary>
    /// <c>GET /metrics</c> in the Prometheus text format, for a scraper that sends the operator token
    /// (<c>authorization: Bearer …</c> in its scrape configuration). It answers on <see cref="MetricsListener"/> only:
    /// never anonymously, never on a gateway listener, where merchants' instances call.
    /// </summary>
    public static IEndpointRouteBuilder MapMetricsEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath)
            .RequireListener(MetricsListener)
            .RequireAuthorization(OperatorTokenDefaults.PolicyName);
        return app;
    }

    /// <summary>
    /// The listener the scrape endpoint answers on: the portal's, until the platform has a listener of its own for
    /// operators, which then takes its place here.
    /// </summary>
    internal const PlatformListener MetricsListener = PlatformListener.Portal;
}
