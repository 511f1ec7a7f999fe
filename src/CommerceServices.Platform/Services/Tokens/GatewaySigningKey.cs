using System.Security.Cryptography;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.IdentityModel.Tokens;

namespace CommerceServices.Platform.Services.Tokens;

/// <summary>
/// One of the keys the platform signs its tokens for upstream services with (table <c>GatewaySigningKeys</c>): an ES256
/// (P-256) key, its public half as a JWK, its private half encrypted with ASP.NET Core Data Protection (never stored in
/// plain text). It signs from <see cref="ActivatesAt"/> until the next key activates; it is published in the JWKS from
/// its creation (before it signs) until the last token it signed has expired.
/// </summary>
public sealed class GatewaySigningKey
{
    public const string Algorithm = SecurityAlgorithms.EcdsaSha256;

    /// <summary>The purpose of the Data Protection protector; a new purpose would make every stored key unreadable.</summary>
    public const string ProtectionPurpose = "CommerceServices.Platform.Services.GatewaySigningKeys.v1";

    public required string Kid { get; init; }

    /// <summary>The public key as a JSON Web Key (RFC 7517): kty, crv, x, y, kid, use, alg.</summary>
    public required string PublicJwk { get; init; }

    /// <summary>The PKCS#8 private key, protected with Data Protection, base64.</summary>
    public required string ProtectedPrivateKey { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset ActivatesAt { get; set; }

    /// <summary>A new P-256 key; the private half leaves this method only protected.</summary>
    public static GatewaySigningKey Create(IDataProtector protector, DateTimeOffset now, DateTimeOffset activatesAt)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var kid = Data.Ids.New("sk");
        var parameters = key.ExportParameters(includePrivateParameters: false);
        var jwk = new PublicJsonWebKey("EC", "P-256", Base64UrlEncoder.Encode(parameters.Q.X), Base64UrlEncoder.Encode(parameters.Q.Y), kid, "sig", Algorithm);
        var pkcs8 = key.ExportPkcs8PrivateKey();
        try
        {
            return new GatewaySigningKey
            {
                Kid = kid,
                PublicJwk = System.Text.Json.JsonSerializer.Serialize(jwk),
                ProtectedPrivateKey = Convert.ToBase64String(protector.Protect(pkcs8)),
                CreatedAt = now,
                ActivatesAt = activatesAt,
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>The private key, for signing; the caller owns (and disposes) it.</summary>
    public ECDsa OpenPrivateKey(IDataProtector protector)
    {
        var pkcs8 = protector.Unprotect(Convert.FromBase64String(ProtectedPrivateKey));
        try
        {
            var key = ECDsa.Create();
            key.ImportPkcs8PrivateKey(pkcs8, out _);
            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }
}

/// <summary>A public key as the JWKS publishes it.</summary>
public sealed record PublicJsonWebKey(
    [property: JsonPropertyName("kty")] string Kty,
    [property: JsonPropertyName("crv")] string Crv,
    [property: JsonPropertyName("x")] string X,
    [property: JsonPropertyName("y")] string Y,
    [property: JsonPropertyName("kid")] string Kid,
    [property: JsonPropertyName("use")] string Use,
    [property: JsonPropertyName("alg")] string Alg);
