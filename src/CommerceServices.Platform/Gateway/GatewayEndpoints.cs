using CommerceServices.Platform.Gateway.Authentication;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Registry;

namespace CommerceServices.Platform.Gateway;

public static class GatewayEndpoints
{
    /// <summary>
    /// The root of everything behind the two gateways: answers only on the gateway listeners, only to a verified
    /// caller (<see cref="GatewayAdmission"/>), within the caller's rate limit.
    /// </summary>
    public static RouteGroupBuilder MapGateway(this IEndpointRouteBuilder app) =>
        app.MapGroup("")
            .RequireListener(PlatformListener.ProductionGateway, PlatformListener.SandboxGateway)
            .WithMetadata(GatewayEndpointMetadata.Instance);

    /// <summary>
    /// Anonymous: tells a client which gateway it reached and the gateway's clock, so a connector can tell a wrong URL
    /// or a far-off clock from bad keys.
    /// </summary>
    public static IEndpointRouteBuilder MapGatewayInfo(this IEndpointRouteBuilder app)
    {
        app.MapGet("/merchant-registry/v1/gateway", (HttpContext http, PlatformListeners listeners, TimeProvider time) =>
                new GatewayInfo(PlatformListeners.EnvironmentOf(listeners.Identify(http))!.Value.ToName(), time.GetUtcNow()))
            .RequireListener(PlatformListener.ProductionGateway, PlatformListener.SandboxGateway)
            .WithName("GatewayInfo").WithTags("Merchant registry")
            .WithSummary("Which gateway this is, and its clock. No authentication.");
        return app;
    }

    /// <summary>A token bucket per API key (R21: refusals are 429 <c>rate_limited</c> with <c>Retry-After</c>).</summary>
    public static IServiceCollection AddGatewayRateLimiting(this IServiceCollection services) =>
        services.AddSingleton<GatewayRateLimiter>();
}
