using System.Security.Cryptography;
using CommerceServices.Protocol.Keys;

namespace CommerceServices.Protocol.Tests.Keys;

public sealed class RsaPemTests
{
    private static readonly RSA Key = RSA.Create(2048);

    [Fact]
    public void Pkcs8PrivateKey_IsRead()
    {
        using var read = RsaPem.ReadPrivateKey(Key.ExportPkcs8PrivateKeyPem()).Key;

        Assert.NotNull(read);
        Assert.Equal(Key.ExportRSAPublicKeyPem(), read.ExportRSAPublicKeyPem());
    }

    [Fact]
    public void Pkcs1PrivateKey_IsRead()
    {
        var result = RsaPem.ReadPrivateKey(Key.ExportRSAPrivateKeyPem());

        Assert.True(result.Success, result.Error);
        Assert.True(result.IsPrivate);
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("")]
    [InlineData("\\n")]
    [InlineData("\r\n")]
    public void PrivateKeyPastedWithLostOrMangledLineBreaks_IsRepaired(string separator)
    {
        var pem = Key.ExportPkcs8PrivateKeyPem().ReplaceLineEndings(separator);

        var result = RsaPem.ReadPrivateKey(pem);

        Assert.True(result.Success, result.Error);
        Assert.Equal(separator != "\r\n", result.WasRepaired);
        Assert.Equal(Key.ExportRSAPublicKeyPem(), result.Key!.ExportRSAPublicKeyPem());
    }

    [Fact]
    public void PublicKey_IsReadAsSubjectPublicKeyInfoAndAsPkcs1()
    {
        Assert.True(RsaPem.ReadPublicKey(Key.ExportSubjectPublicKeyInfoPem()).Success);
        Assert.True(RsaPem.ReadPublicKey(Key.ExportRSAPublicKeyPem()).Success);
        Assert.False(RsaPem.ReadPublicKey(Key.ExportSubjectPublicKeyInfoPem()).IsPrivate);
    }

    [Fact]
    public void PublicKey_IsNotAcceptedWhereAPrivateKeyIsExpected()
    {
        var result = RsaPem.ReadPrivateKey(Key.ExportSubjectPublicKeyInfoPem());

        Assert.False(result.Success);
        Assert.Contains("Expected a private key", result.Error);
    }

    [Fact]
    public void SmallKey_IsRefused()
    {
        using var small = RSA.Create(1024);

        var result = RsaPem.ReadPublicKey(small.ExportSubjectPublicKeyInfoPem());

        Assert.False(result.Success);
        Assert.Contains("1024 bits", result.Error);
    }

    [Fact]
    public void EcKey_IsRefusedAsNotRsa()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        Assert.False(RsaPem.ReadPublicKey(ec.ExportSubjectPublicKeyInfoPem()).Success);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not a key")]
    [InlineData("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")]
    [InlineData("-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----")]
    [InlineData("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----")]
    public void Garbage_IsRefusedWithASentence(string? pem)
    {
        var result = RsaPem.ReadPublicKey(pem);

        Assert.False(result.Success);
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
    }

    [Fact]
    public void HugeInput_IsRefusedWithoutParsing() =>
        Assert.Contains("too large", RsaPem.ReadPublicKey(new string('A', 100_000)).Error);
}
