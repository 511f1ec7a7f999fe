using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CommerceServices.Benchmarks;

/// <summary>
/// The token the gateway signs for every forwarded call (ES256, the same claims), made as the platform makes it, with
/// <c>JsonWebTokenHandler.CreateToken</c> (signature providers cached), beside the bare P-256 signature it must pay:
/// what a forwarded call costs beyond a proxied one. (A hand-written writer measured within noise of the library on
/// this machine, so the library stays.)
/// </summary>
[MemoryDiagnoser]
public class GatewayTokenBenchmark
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };
    private ECDsa _key = null!;
    private SigningCredentials _credentials = null!;
    private byte[] _signingInput = null!;

    [GlobalSetup]
    public void Setup()
    {
        _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _credentials = new SigningCredentials(new ECDsaSecurityKey(_key) { KeyId = "sk_benchmark" }, SecurityAlgorithms.EcdsaSha256)
        {
            CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = true },
        };
        _signingInput = Encoding.ASCII.GetBytes(Library()[..Library().LastIndexOf('.')]);
    }

    [Benchmark(Baseline = true)]
    public byte[] SignatureAlone() => _key.SignData(_signingInput, HashAlgorithmName.SHA256);

    [Benchmark]
    public string Library()
    {
        var now = DateTime.UtcNow;
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://accounts.example.com",
            Audience = "recommendations",
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddSeconds(60),
            SigningCredentials = _credentials,
            Claims = new Dictionary<string, object>
            {
                ["sub"] = "acc_abcdefghijklmnopqrst", ["jti"] = "req_abcdefghijklmnopqrst", ["request_id"] = "req_abcdefghijklmnopqrst",
                ["environment"] = "sandbox", ["api_key_id"] = "key_abcdefghijklmnopqrst", ["data_space_id"] = "ds_abcdefghijklmnopqrst",
                ["data_space_type"] = "testing",
            },
        });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _key.Dispose();
    }
}
