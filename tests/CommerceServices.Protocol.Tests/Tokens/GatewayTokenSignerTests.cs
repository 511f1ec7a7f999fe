using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CommerceServices.Protocol.Tokens;

namespace CommerceServices.Protocol.Tests.Tokens;

public sealed class GatewayTokenSignerTests
{
    [Fact]
    public void Token_IsAnRs256JwtWithExpiryThatVerifiesWithThePublicKey()
    {
        using var rsa = RSA.Create(2048);
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

        var token = new GatewayTokenSigner(rsa).CreateToken(now, TimeSpan.FromMinutes(4));

        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        using var header = JsonDocument.Parse(Base64UrlDecode(parts[0]));
        using var payload = JsonDocument.Parse(Base64UrlDecode(parts[1]));
        Assert.Equal("RS256", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal(now.ToUnixTimeSeconds() + 240, payload.RootElement.GetProperty("exp").GetInt64());
        Assert.True(rsa.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), Base64UrlDecode(parts[2]),
            HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(301)]
    public void LifetimeOutsideTheRules_IsRefused(int seconds)
    {
        using var rsa = RSA.Create(2048);

        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new GatewayTokenSigner(rsa).CreateToken(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(seconds)));
    }

    private static byte[] Base64UrlDecode(string value) => Convert.FromBase64String(
        value.Replace('-', '+').Replace('_', '/').PadRight(value.Length + (4 - value.Length % 4) % 4, '='));
}
