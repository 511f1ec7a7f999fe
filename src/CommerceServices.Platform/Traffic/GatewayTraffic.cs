using System.Collections.Frozen;
using CommerceServices.Platform.Gateway;
using CommerceServices.Platform.Gateway.Authentication;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;

namespace CommerceServices.Platform.Traffic;

/// <summary>
/// Endpoint metadata: the service behind the gateway that an endpoint belongs to, for the traffic rollups (a group's
/// <c>.WithMetadata(new GatewayServiceMetadata("payments"))</c>). Services registered later name theirs the same way.
/// </summary>
public sealed record GatewayServiceMetadata(string Service);

/// <summary>
/// Counts every call to a gateway endpoint under its outcome, once it is answered: <c>accepted</c> (the gateway let it
/// through, whatever the service then said), the code of a gateway refusal (authentication, rate limit, entitlement,
/// data space), <c>upstream_error</c> (the service behind failed with a 5xx or threw) or <c>storage_unavailable</c>.
/// </summary>
internal sealed class GatewayTraffic(RequestDelegate next, TrafficRecorder recorder, PlatformListeners listeners)
{
    /// <summary>Codes the gateway itself refuses calls with; any other answer was the service's.</summary>
    internal static readonly FrozenSet<string> GatewayRefusals = new[]
    {
        ProblemCodes.MissingApiKey, ProblemCodes.MalformedApiKey, ProblemCodes.UnknownApiKey, ProblemCodes.RevokedApiKey,
        ProblemCodes.EnvironmentMismatch, ProblemCodes.MissingSignature, ProblemCodes.MalformedSignature,
        ProblemCodes.UnsupportedAlgorithm, ProblemCodes.InvalidSignature, ProblemCodes.TokenExpired,
        ProblemCodes.TokenNotYetValid, ProblemCodes.TokenLifetimeTooLong, ProblemCodes.RateLimited, ProblemCodes.NotEntitled,
        ProblemCodes.DataSpaceRequired, ProblemCodes.DataSpaceNotFound, ProblemCodes.DataSpaceTypeMismatch,
        ProblemCodes.StorageUnavailable,
    }.ToFrozenSet(StringComparer.Ordinal);

    private const string OtherService = "other";

    public async Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<GatewayEndpointMetadata>() is null)
        {
            await next(context);
            return;
        }

        string? thrown = null;
        try
        {
            await next(context);
        }
        catch (Exception e)
        {
            thrown = StorageFailures.IsUnreachable(e) ? ProblemCodes.StorageUnavailable : TrafficOutcomes.UpstreamError;
            throw;
        }
        finally
        {
            var environment = PlatformListeners.EnvironmentOf(listeners.Identify(context))?.ToName() ?? "unknown";
            var service = endpoint.Metadata.GetMetadata<GatewayServiceMetadata>()?.Service ?? OtherService;
            var outcome = thrown ?? OutcomeOf(context);
            recorder.Record(environment, service, outcome, outcome == TrafficOutcomes.Accepted ? null : ApiKeyOf(context));
        }
    }

    private static string OutcomeOf(HttpContext context)
    {
        var code = context.Features.Get<ProblemCodeFeature>()?.Code;
        if (code is not null && GatewayRefusals.Contains(code))
        {
            return code;
        }

        return context.Response.StatusCode >= 500 ? TrafficOutcomes.UpstreamError : TrafficOutcomes.Accepted;
    }

    /// <summary>The caller's API key: verified when the gateway admitted it, else the one presented when well-formed.</summary>
    private static string? ApiKeyOf(HttpContext context)
    {
        if (context.User.FindFirst(GatewayClaims.ApiKey)?.Value is { } verified)
        {
            return verified;
        }

        var presented = GatewayHeaderValues.ReadOne(context.Request.Headers, GatewayHeaders.ApiKey, GatewayHeaders.ApiKeyAlias, out var problem);
        return problem is null && presented is { Length: <= ApiKeyFormat.Length } && ApiKeyFormat.Check(presented).IsValid ? presented : null;
    }
}

public static class TrafficExtensions
{
    public static IServiceCollection AddGatewayTraffic(this IServiceCollection services)
    {
        services.AddOptions<TrafficOptions>().BindConfiguration(TrafficOptions.Section).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<TrafficOptions>, TrafficOptionsValidator>();
        services.AddSingleton<TrafficRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<TrafficRecorder>());
        services.AddScoped<TrafficService>();
        return services;
    }
}
