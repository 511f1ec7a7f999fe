using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace CommerceServices.Protocol.Keys;

/// <summary>
/// Reads and writes the RSA keys of the protocol as PEM. Private keys are handed out as PKCS#8
/// (<c>BEGIN PRIVATE KEY</c>); PKCS#1 (<c>BEGIN RSA PRIVATE KEY</c>) is read too. Public keys are SubjectPublicKeyInfo
/// (<c>BEGIN PUBLIC KEY</c>) or PKCS#1. Pasted PEM whose line breaks were lost or mangled is repaired first: that is a
/// known cause of signature failures in the field.
/// </summary>
public static partial class RsaPem
{
    /// <summary>The PEM label of PKCS#8 private keys, the form in which the platform hands a private key out.</summary>
    public const string Pkcs8PrivateKeyLabel = "PRIVATE KEY";

    /// <summary>The first line of a PKCS#8 private key in PEM.</summary>
    public const string Pkcs8PrivateKeyBegin = "-----BEGIN " + Pkcs8PrivateKeyLabel + "-----";

    /// <summary>Smallest modulus accepted; the platform makes 2048-bit keys.</summary>
    public const int MinimumKeySizeBits = 2048;

    /// <summary>Largest modulus accepted, so a hostile upload cannot make every verification slow.</summary>
    public const int MaximumKeySizeBits = 4096;

    /// <summary>Creates an RSA 2048 key pair.</summary>
    public static RSA CreateKey() => RSA.Create(2048);

    public static string ExportPrivateKeyPkcs8(RSA rsa) => rsa.ExportPkcs8PrivateKeyPem();

    public static string ExportPublicKey(RSA rsa) => rsa.ExportSubjectPublicKeyInfoPem();

    /// <summary>Reads a private key (PKCS#8 or PKCS#1, repaired if pasted badly).</summary>
    public static PemReadResult ReadPrivateKey(string? pem) => Read(pem, wantPrivate: true);

    /// <summary>Reads a public key (SPKI or PKCS#1). A private key is accepted too, and only its public half kept.</summary>
    public static PemReadResult ReadPublicKey(string? pem) => Read(pem, wantPrivate: false);

    private static PemReadResult Read(string? pem, bool wantPrivate)
    {
        var what = wantPrivate ? "private key" : "public key";
        if (string.IsNullOrWhiteSpace(pem))
        {
            return PemReadResult.Fail($"No {what} was given.");
        }

        if (pem.Length > 16_384)
        {
            return PemReadResult.Fail($"The {what} is too large to be an RSA key in PEM.");
        }

        var normalized = Repair(pem);
        var label = PemLabel().Match(normalized);
        if (!label.Success)
        {
            return PemReadResult.Fail(
                $"The {what} is not PEM: it must start with '-----BEGIN {(wantPrivate ? "PRIVATE KEY" : "PUBLIC KEY")}-----'.");
        }

        var kind = label.Groups[1].Value;
        var isPrivate = kind is "PRIVATE KEY" or "RSA PRIVATE KEY";
        if (wantPrivate && !isPrivate)
        {
            return PemReadResult.Fail($"Expected a private key but got '{kind}'.");
        }

        if (kind is "ENCRYPTED PRIVATE KEY")
        {
            return PemReadResult.Fail("The private key is encrypted with a passphrase; export it without one.");
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(normalized);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            rsa.Dispose();
            return PemReadResult.Fail($"The {what} could not be read as an RSA key: the PEM is damaged or not RSA.");
        }

        if (rsa.KeySize is < MinimumKeySizeBits or > MaximumKeySizeBits)
        {
            var size = rsa.KeySize;
            rsa.Dispose();
            return PemReadResult.Fail(
                $"The RSA key has {size} bits; between {MinimumKeySizeBits} and {MaximumKeySizeBits} are accepted.");
        }

        return PemReadResult.Ok(rsa, isPrivate, normalized != pem.Trim().ReplaceLineEndings("\n"));
    }

    /// <summary>
    /// Rebuilds the PEM layout: BEGIN line, base64 body in 64-character lines, END line. Handles keys pasted into a
    /// single-line field (breaks turned into spaces, or lost), literal <c>\n</c> sequences, and Windows line ends.
    /// </summary>
    public static string Repair(string pem)
    {
        var text = pem.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\r", "", StringComparison.Ordinal).Trim();
        var match = PemBlock().Match(text);
        if (!match.Success)
        {
            return text;
        }

        var label = match.Groups[1].Value;
        var body = Whitespace().Replace(match.Groups[2].Value, "");
        var sb = new StringBuilder();
        sb.Append("-----BEGIN ").Append(label).Append("-----\n");
        for (var i = 0; i < body.Length; i += 64)
        {
            sb.Append(body, i, Math.Min(64, body.Length - i)).Append('\n');
        }

        sb.Append("-----END ").Append(label).Append("-----");
        return sb.ToString();
    }

    [GeneratedRegex(@"-----BEGIN ([A-Z0-9 ]+)-----")]
    private static partial Regex PemLabel();

    [GeneratedRegex(@"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", RegexOptions.Singleline)]
    private static partial Regex PemBlock();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

/// <summary>Outcome of reading a PEM key: the key, or a sentence saying what is wrong with it.</summary>
public sealed class PemReadResult
{
    private PemReadResult(RSA? key, bool isPrivate, bool wasRepaired, string? error)
    {
        Key = key;
        IsPrivate = isPrivate;
        WasRepaired = wasRepaired;
        Error = error;
    }

    /// <summary>The key; the caller owns and disposes it.</summary>
    public RSA? Key { get; }

    public bool IsPrivate { get; }

    /// <summary>True when the PEM layout had to be rebuilt before it could be read.</summary>
    public bool WasRepaired { get; }

    public string? Error { get; }

    public bool Success => Key is not null;

    internal static PemReadResult Ok(RSA key, bool isPrivate, bool wasRepaired) => new(key, isPrivate, wasRepaired, null);

    internal static PemReadResult Fail(string error) => new(null, false, false, error);
}
