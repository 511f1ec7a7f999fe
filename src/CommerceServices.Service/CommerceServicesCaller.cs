using System.Security.Claims;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Services;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;

namespace CommerceServices.Service;

/// <summary>
/// Who called, as the gateway vouched for it in its token: the account, the environment (the gateway the call came
/// through), the data space the call acts on (checked by the gateway to belong to the account and to be of the
/// environment's type), the merchant's key pair and the request id. A minimal API handler takes it as a parameter.
/// </summary>
public sealed record CommerceServicesCaller(
    string AccountId,
    GatewayEnvironment? Environment,
    string? DataSpaceId,
    string? DataSpaceType,
    string? ApiKeyId,
    string? RequestId,
    bool IsLifecycleCall)
{
    /// <summary>Minimal API parameter binding: the caller from the token the handler validated.</summary>
    public static ValueTask<CommerceServicesCaller?> BindAsync(HttpContext context) => ValueTask.FromResult(From(context.User));

    /// <summary>The caller, or null when <paramref name="user"/> is not authenticated by the gateway's token.</summary>
    public static CommerceServicesCaller? From(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true || user.FindFirstValue(JwtRegisteredClaimNames.Sub) is not { } account)
        {
            return null;
        }

        GatewayEnvironment? environment = GatewayEnvironments.TryParse(user.FindFirstValue(GatewayTokenClaims.Environment) ?? "", out var parsed)
            ? parsed
            : null;
        return new CommerceServicesCaller(
            account,
            environment,
            user.FindFirstValue(GatewayTokenClaims.DataSpaceId),
            user.FindFirstValue(GatewayTokenClaims.DataSpaceType),
            user.FindFirstValue(GatewayTokenClaims.ApiKeyId),
            user.FindFirstValue(GatewayTokenClaims.RequestId),
            user.FindFirstValue(GatewayTokenClaims.Scope) == GatewayTokenClaims.LifecycleScope);
    }
}
