using System.Security.Claims;
using CommerceServices.Platform.Gateway.Authentication;
using CommerceServices.Protocol;

namespace CommerceServices.Platform.Gateway;

/// <summary>
/// The verified caller of a gateway request: the account, environment and API key the gateway authenticated, and the data
/// space the request acts on (checked against the account by <see cref="Registry.DataSpaceResolution"/>). Endpoints take
/// it as a parameter; services behind the gateway know the caller only through it, never through keys.
/// </summary>
public sealed record GatewayCaller(string AccountId, GatewayEnvironment Environment, string ApiKey, string? DataSpaceId)
{
    /// <summary>Minimal API parameter binding: the caller from the claims the gateway put on <c>HttpContext.User</c>.</summary>
    public static ValueTask<GatewayCaller?> BindAsync(HttpContext context) => ValueTask.FromResult<GatewayCaller?>(From(context.User));

    public static GatewayCaller From(ClaimsPrincipal user)
    {
        var account = user.FindFirstValue(GatewayClaims.AccountId)
                      ?? throw new InvalidOperationException("The request did not pass gateway authentication.");
        GatewayEnvironments.TryParse(user.FindFirstValue(GatewayClaims.Environment), out var environment);
        return new GatewayCaller(account, environment, user.FindFirstValue(GatewayClaims.ApiKey)!, user.FindFirstValue(GatewayClaims.DataSpaceId));
    }
}
