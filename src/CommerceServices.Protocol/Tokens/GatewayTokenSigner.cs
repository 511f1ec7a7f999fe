using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CommerceServices.Protocol.Tokens;

/// <summary>
/// Makes <c>x-gw-signature</c> tokens: RS256 JWTs with <c>exp</c>, <c>iat</c> and <c>nbf</c>. The claims the existing
/// module sends (<c>iss</c>, <c>sub</c>, <c>aud</c>) carry no meaning to the gateway and are left out.
/// </summary>
public sealed class GatewayTokenSigner
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly SigningCredentials _credentials;

    /// <param name="privateKey">The RSA private key; the signer does not take ownership of it.</param>
    public GatewayTokenSigner(RSA privateKey)
    {
        _credentials = new SigningCredentials(new RsaSecurityKey(privateKey), SecurityAlgorithms.RsaSha256)
        {
            // The key is used from several threads; a cached provider per key avoids rebuilding it on every sign.
            CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = true },
        };
    }

    /// <summary>Signs a token valid from <paramref name="now"/> for <paramref name="lifetime"/> (at most five minutes).</summary>
    public string CreateToken(DateTimeOffset now, TimeSpan lifetime)
    {
        if (lifetime <= TimeSpan.Zero || lifetime > GatewayTokenRules.MaximumLifetime)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), lifetime, "A gateway token lives at most five minutes.");
        }

        var descriptor = new SecurityTokenDescriptor
        {
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            SigningCredentials = _credentials,
        };
        return Handler.CreateToken(descriptor);
    }
}
