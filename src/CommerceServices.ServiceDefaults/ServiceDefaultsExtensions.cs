using CommerceServices.ServiceDefaults;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

// In the hosting namespace, like the framework's own builder extensions, so a host adopts it with one line and no using.
namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every Commerce Services host shares, the platform and the samples alike: OpenTelemetry traces and metrics,
/// exported over OTLP when the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; health endpoints; the trace id in
/// every log line written while a request runs; and HttpClient defaults.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// Adds the shared defaults to a host. Traces cover ASP.NET Core, HttpClient, EF Core and every
    /// <c>CommerceServices.*</c> activity source; metrics cover the same plus the .NET runtime and every
    /// <c>CommerceServices.*</c> meter. The standard <c>OTEL_*</c> variables (service name, sampler, exporter endpoint,
    /// protocol, headers, intervals, <c>OTEL_SDK_DISABLED</c>) are read from the host's configuration, so they may be
    /// given as environment variables or as <c>--OTEL_...=</c> arguments. <c>GET /healthz</c> (the process answers) and
    /// <c>GET /readyz</c> (every registered health check passes) answer on every listener. Returns the same builder.
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, string? serviceName = null,
        Action<ServiceDefaultsOptions>? configure = null)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new ServiceDefaultsOptions { ServiceName = serviceName ?? builder.Environment.ApplicationName };
        configure?.Invoke(options);
        if (options.DefaultSamplingRatio is < 0 or > 1 or double.NaN)
        {
            throw new ArgumentOutOfRangeException(nameof(configure), options.DefaultSamplingRatio, "The default sampling ratio is from 0 to 1.");
        }

        builder.AddTelemetry(options);
        builder.AddTraceIdsToConsoleLogs();
        builder.Services.AddHealthChecks();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, HealthEndpoints>());
        if (options.StandardHttpResilience)
        {
            // Retries only where a repeat is harmless: a POST that timed out may have done its work.
            builder.Services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler(o => o.Retry.DisableForUnsafeHttpMethods()));
        }

        return builder;
    }

    private static void AddTelemetry(this IHostApplicationBuilder builder, ServiceDefaultsOptions options)
    {
        var configuration = builder.Configuration;
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                serviceName: NonEmpty(configuration[TelemetryVariables.ServiceName]) ?? options.ServiceName,
                serviceVersion: typeof(ServiceDefaultsExtensions).Assembly.GetName().Version?.ToString()))
            .WithTracing(tracing =>
            {
                tracing.AddSource(CommerceTelemetry.SourcesAndMeters)
                    .AddAspNetCoreInstrumentation(o => o.Filter = http => !HealthEndpoints.IsProbe(http.Request.Path))
                    .AddHttpClientInstrumentation()
                    .AddEntityFrameworkCoreInstrumentation();
                // The standard variables win; without them, a ratio of new traces and every trace a caller sampled.
                if (NonEmpty(configuration[TelemetryVariables.Sampler]) is null)
                {
                    tracing.SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.DefaultSamplingRatio)));
                }
            })
            .WithMetrics(metrics => metrics
                .AddMeter(CommerceTelemetry.SourcesAndMeters)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation());

        if (NonEmpty(configuration[TelemetryVariables.OtlpEndpoint]) is not null)
        {
            // Logs go to the collector too, with their trace ids, so a trace and its log lines are found together.
            telemetry.WithLogging(configureBuilder: null, configureOptions: o =>
            {
                o.IncludeFormattedMessage = true;
                o.IncludeScopes = true;
            });
            telemetry.UseOtlpExporter();
        }
    }

    /// <summary>
    /// Console log lines written while a request runs carry its trace id (the <c>TraceId</c> scope the host adds from
    /// the current activity), the same id in the shop's, the gateway's and the service's logs, in the simple and the
    /// JSON formats alike. <c>Logging:Console:FormatterOptions:IncludeScopes=false</c> turns it off.
    /// </summary>
    private static void AddTraceIdsToConsoleLogs(this IHostApplicationBuilder builder)
    {
        var configured = builder.Configuration["Logging:Console:FormatterOptions:IncludeScopes"];
        if (configured is not null)
        {
            return;
        }

        // Without a formatter name, the console logger copies its own obsolete options (IncludeScopes false) over the
        // formatter's: naming the default formatter keeps the setting below.
        builder.Services.Configure<ConsoleLoggerOptions>(o =>
            o.FormatterName = string.IsNullOrWhiteSpace(o.FormatterName) ? ConsoleFormatterNames.Simple : o.FormatterName);
        builder.Services.Configure<SimpleConsoleFormatterOptions>(o => o.IncludeScopes = true);
        builder.Services.Configure<JsonConsoleFormatterOptions>(o => o.IncludeScopes = true);
        builder.Services.Configure<ConsoleFormatterOptions>(o => o.IncludeScopes = true);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
