using System.Security.Claims;
using CommerceServices.Platform.Gateway.Authentication;
using CommerceServices.Protocol;

namespace CommerceServices.Platform.Gateway;

/// <summary>The verified caller of a gateway request, read from the claims the gateway put on <c>HttpContext.User</c>.</summary>
public sealed record GatewayCaller(string AccountId, GatewayEnvironment Environment, string ApiKey, string? DataSpaceId)
{
    public static GatewayCaller From(ClaimsPrincipal user)
    {
        var account = user.FindFirstValue(GatewayClaims.AccountId)
                      ?? throw new InvalidOperationException("The request did not pass gateway authentication.");
        GatewayEnvironments.TryParse(user.FindFirstValue(GatewayClaims.Environment), out var environment);
        return new GatewayCaller(account, environment, user.FindFirstValue(GatewayClaims.ApiKey)!, user.FindFirstValue(GatewayClaims.DataSpaceId));
    }
}
