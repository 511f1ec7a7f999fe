using System.Security.Claims;
using System.Threading.RateLimiting;
using CommerceServices.Platform.Gateway.Authentication;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Registry;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Gateway;

public static class GatewayEndpoints
{
    public const string RateLimitPolicy = "PerApiKey";

    /// <summary>
    /// The root of everything behind the two gateways: answers only on the gateway listeners, only to a verified
    /// caller, within the caller's rate limit.
    /// </summary>
    public static RouteGroupBuilder MapGateway(this IEndpointRouteBuilder app) =>
        app.MapGroup("")
            .RequireListener(PlatformListener.ProductionGateway, PlatformListener.SandboxGateway)
            .RequireAuthorization(GatewaySignatureDefaults.PolicyName)
            .RequireRateLimiting(RateLimitPolicy)
            .WithMetadata(Registry.GatewayDataSpaceMetadata.Instance);

    /// <summary>
    /// Anonymous: tells a client which gateway it reached and the gateway's clock, so a connector can tell a wrong URL
    /// or a far-off clock from bad keys.
    /// </summary>
    public static IEndpointRouteBuilder MapGatewayInfo(this IEndpointRouteBuilder app)
    {
        app.MapGet("/merchant-registry/v1/gateway", (HttpContext http, PlatformListeners listeners, TimeProvider time) =>
                new GatewayInfo(PlatformListeners.EnvironmentOf(listeners.Identify(http))!.Value.ToName(), time.GetUtcNow()))
            .RequireListener(PlatformListener.ProductionGateway, PlatformListener.SandboxGateway)
            .WithName("GatewayInfo")
            .WithSummary("Which gateway this is, and its clock. No authentication.");
        return app;
    }

    /// <summary>A token bucket per API key (R21: refusals are 429 <c>rate_limited</c> with <c>Retry-After</c>).</summary>
    public static IServiceCollection AddGatewayRateLimiting(this IServiceCollection services) =>
        services.AddRateLimiter(limiter => limiter.AddPolicy<string, PerApiKeyRateLimitPolicy>(RateLimitPolicy));

    private sealed class PerApiKeyRateLimitPolicy(IOptions<GatewayOptions> options, TimeProvider time) : IRateLimiterPolicy<string>
    {
        // One factory for every partition, made once: nothing is allocated per request to find a key's bucket.
        private readonly Func<string, RateLimiter> _newBucket = _ =>
            new ContinuousTokenBucket(options.Value.RateLimitPerSecond, options.Value.RateLimitBurst, time);

        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = async (context, _) =>
        {
            var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
            context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString();
            await Problems.WriteAsync(context.HttpContext, ProblemCodes.RateLimited,
                "This API key sent more requests than its rate limit allows; retry after the time in Retry-After.");
        };

        public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
            httpContext.User.FindFirstValue(GatewayClaims.ApiKey) is { } apiKey
                ? RateLimitPartition.Get(apiKey, _newBucket)
                : RateLimitPartition.GetNoLimiter("unauthenticated");
    }
}
