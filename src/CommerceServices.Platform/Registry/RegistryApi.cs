using CommerceServices.Platform.Gateway;
using CommerceServices.Protocol;

namespace CommerceServices.Platform.Registry;

/// <summary>The merchant registry as instances see it, through either gateway.</summary>
public static class RegistryApi
{
    public static RouteGroupBuilder MapRegistryApi(this RouteGroupBuilder gateway)
    {
        var registry = gateway.MapGroup("/merchant-registry/v1").WithTags("Merchant registry");
        registry.MapGet("/ping", Ping).WithName("Ping").WithSummary("200 when the key pair is valid for this gateway.");
        return registry;
    }

    public sealed record PingResponse(string AccountId, string Environment, string ApiKey);

    private static PingResponse Ping(HttpContext http)
    {
        var caller = GatewayCaller.From(http.User);
        return new PingResponse(caller.AccountId, caller.Environment.ToName(), caller.ApiKey);
    }
}
