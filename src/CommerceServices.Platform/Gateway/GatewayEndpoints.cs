using System.Security.Claims;
using System.Threading.RateLimiting;
using CommerceServices.Platform.Gateway.Authentication;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol;
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
            .RequireRateLimiting(RateLimitPolicy);

    /// <summary>A token bucket per API key (R21: refusals are 429 <c>rate_limited</c> with <c>Retry-After</c>).</summary>
    public static IServiceCollection AddGatewayRateLimiting(this IServiceCollection services) =>
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(RateLimitPolicy, context =>
            {
                var apiKey = context.User.FindFirstValue(GatewayClaims.ApiKey);
                if (apiKey is null)
                {
                    return RateLimitPartition.GetNoLimiter("unauthenticated");
                }

                var options = context.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value;
                return RateLimitPartition.GetTokenBucketLimiter(apiKey, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Math.Max(1, options.RateLimitBurst),
                    TokensPerPeriod = Math.Max(1, options.RateLimitPerSecond / 10),
                    ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (context, _) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString();
                await Problems.WriteAsync(context.HttpContext, ProblemCodes.RateLimited,
                    "This API key sent more requests than its rate limit allows; retry after the time in Retry-After.");
            };
        });
}
