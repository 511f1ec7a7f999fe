using System.Security.Claims;
using CommerceServices.Platform.Gateway.Authentication;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol.Services;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CommerceServices.Platform.Services.Tokens;

/// <summary>
/// Signs the token an upstream service receives instead of the merchant's credentials (<c>Authorization: Bearer …</c>):
/// an ES256 JWT with the current key's <c>kid</c>, <c>iss</c> the platform's public portal URL, <c>aud</c> the service id,
/// <c>sub</c> the account, and the claims of <see cref="GatewayTokenClaims"/>; valid for
/// <c>ServiceGateway:TokenLifetimeSeconds</c> (at most 60). One per forwarded call, carrying that call's request id.
/// </summary>
public sealed class GatewayTokenIssuer(SigningKeyRing keys, IOptions<ServiceGatewayOptions> options, PlatformListeners listeners, TimeProvider time)
{
    /// <summary>Above this many reused tokens the memory starts again empty, so many callers cannot grow it without limit.</summary>
    private const int MaximumReusedTokens = 100_000;

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string, string?, string), (string Token, long Until)> _reused = new();
    private string? _issuer;

    /// <summary>The <c>iss</c> of every token, without a final slash: where <c>/.well-known/openid-configuration</c> is found.</summary>
    public string Issuer => _issuer ??= (options.Value.Issuer ?? listeners.UrlOf(PlatformListener.Portal)).AbsoluteUri.TrimEnd('/');

    /// <summary>
    /// The token for one call of a merchant, forwarded to <paramref name="service"/>: a new one with the call's request id,
    /// or, with <c>ServiceGateway:TokenReuseSeconds</c>, the caller's recent one for this service and data space.
    /// </summary>
    public string IssueForCall(ServiceDefinition service, ClaimsPrincipal caller, string requestId)
    {
        if (options.Value.TokenReuseSeconds > 0)
        {
            var now = time.GetTimestamp();
            var key = (service.Id, caller.FindFirstValue(GatewayClaims.KeyPairId)!, caller.FindFirstValue(GatewayClaims.DataSpaceId), keys.Current.Kid);
            if (_reused.TryGetValue(key, out var reused) && now < reused.Until)
            {
                return reused.Token;
            }

            if (_reused.Count >= MaximumReusedTokens)
            {
                _reused.Clear();
            }

            var token = Create(service, caller, Data.Ids.New("tok"), withRequestId: false);
            _reused[key] = (token, now + options.Value.TokenReuseSeconds * time.TimestampFrequency);
            return token;
        }

        return Create(service, caller, requestId, withRequestId: true);
    }

    private string Create(ServiceDefinition service, ClaimsPrincipal caller, string requestId, bool withRequestId)
    {
        var claims = new Dictionary<string, object>(8)
        {
            [JwtRegisteredClaimNames.Sub] = caller.FindFirstValue(GatewayClaims.AccountId)!,
            [JwtRegisteredClaimNames.Jti] = requestId,
            [GatewayTokenClaims.Environment] = caller.FindFirstValue(GatewayClaims.Environment)!,
            [GatewayTokenClaims.ApiKeyId] = caller.FindFirstValue(GatewayClaims.KeyPairId)!,
        };
        if (withRequestId)
        {
            claims[GatewayTokenClaims.RequestId] = requestId;
        }

        if (caller.FindFirstValue(GatewayClaims.DataSpaceId) is { } dataSpace)
        {
            claims[GatewayTokenClaims.DataSpaceId] = dataSpace;
            if (caller.FindFirstValue(GatewayClaims.DataSpaceType) is { } type)
            {
                claims[GatewayTokenClaims.DataSpaceType] = type;
            }
        }

        return Sign(service.Id, claims);
    }

    /// <summary>The token of the platform's own lifecycle call to <paramref name="serviceId"/> about a data space of <paramref name="accountId"/>.</summary>
    public string IssueForLifecycle(string serviceId, string accountId, string dataSpaceId, string requestId) => Sign(serviceId,
        new Dictionary<string, object>(6)
        {
            [JwtRegisteredClaimNames.Sub] = accountId,
            [JwtRegisteredClaimNames.Jti] = requestId,
            [GatewayTokenClaims.RequestId] = requestId,
            [GatewayTokenClaims.DataSpaceId] = dataSpaceId,
            [GatewayTokenClaims.Scope] = GatewayTokenClaims.LifecycleScope,
        });

    private string Sign(string audience, Dictionary<string, object> claims)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddSeconds(options.Value.TokenLifetimeSeconds),
            Claims = claims,
            SigningCredentials = keys.Current.Credentials,
        });
    }
}
