using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;

namespace CommerceServices.Benchmarks;

/// <summary>
/// The ceiling of the fresh-token path (the gateway benchmark's second target): one RS256 verification with a 2048-bit key, exactly the call
/// the gateway makes per new token (SHA-256 of the signing input, then RSASSA-PKCS1-v1_5 verify with e = 65537). A gateway
/// that verified a new token on every request and did nothing else could at best answer this many requests per core.
/// </summary>
[MemoryDiagnoser]
public class RsaVerifyBenchmark
{
    private RSA _publicKey = null!;
    private byte[] _signingInput = null!;
    private byte[] _signature = null!;

    [GlobalSetup]
    public void Setup()
    {
        using var privateKey = RSA.Create(2048);
        _publicKey = RSA.Create();
        _publicKey.ImportSubjectPublicKeyInfo(privateKey.ExportSubjectPublicKeyInfo(), out _);
        // A signing input the size of a real gateway token's header and payload.
        _signingInput = Encoding.ASCII.GetBytes(
            "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3OTUzMzY0MDAsImlhdCI6MTc5NTMzNjEwMCwianRpIjoiMTIzNDU2Nzg5MCJ9");
        _signature = privateKey.SignData(_signingInput, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    [Benchmark]
    public bool VerifyRs256() => _publicKey.VerifyData(_signingInput, _signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    [GlobalCleanup]
    public void Cleanup() => _publicKey.Dispose();
}
