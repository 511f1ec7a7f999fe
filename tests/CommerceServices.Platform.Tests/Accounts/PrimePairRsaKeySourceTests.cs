using System.Security.Cryptography;
using CommerceServices.Testing.Keys;

namespace CommerceServices.Platform.Tests.Accounts;

/// <summary>The test platforms' key source: valid, distinct RSA-2048 pairs, for a few real generations.</summary>
public sealed class PrimePairRsaKeySourceTests
{
    [Fact]
    public void ThreeHundredKeys_AreDistinctValidRsa2048Pairs_MadeFromAFewGeneratedKeys()
    {
        var source = new PrimePairRsaKeySource();
        var moduli = new HashSet<string>();
        var data = "signed by the key"u8.ToArray();
        for (var i = 0; i < 300; i++)
        {
            using var rsa = source.Create();
            Assert.Equal(2048, rsa.KeySize);
            var parameters = rsa.ExportParameters(includePrivateParameters: false);
            Assert.True(moduli.Add(Convert.ToHexString(parameters.Modulus!)), $"key {i} repeats an earlier modulus");

            // What the platform does with a key: exported as PKCS#8 and SubjectPublicKeyInfo, signing with the one and
            // verifying with the other.
            using var privateKey = RSA.Create();
            privateKey.ImportPkcs8PrivateKey(rsa.ExportPkcs8PrivateKey(), out _);
            using var publicKey = RSA.Create();
            publicKey.ImportSubjectPublicKeyInfo(rsa.ExportSubjectPublicKeyInfo(), out _);
            var signature = privateKey.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            Assert.True(publicKey.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        }

        // k generated keys give about 2k² pairs: 300 keys need 13 of them, not 300.
        Assert.InRange(source.Generations, 2, 16);
    }
}
