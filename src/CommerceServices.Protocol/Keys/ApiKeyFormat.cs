using System.Security.Cryptography;
using System.Text;

namespace CommerceServices.Protocol.Keys;

/// <summary>
/// Self-checking API keys (R20): <c>cs_sbx_</c> or <c>cs_prd_</c>, 32 random base62 characters, then a 6-character
/// base62 checksum of everything before it. A typo, a truncated paste or a sandbox key in the production field is
/// caught offline, before any request is sent.
/// </summary>
public static class ApiKeyFormat
{
    public const string SandboxPrefix = "cs_sbx_";
    public const string ProductionPrefix = "cs_prd_";

    private const int PrefixLength = 7;
    private const int RandomLength = 32;
    private const int ChecksumLength = 6;

    /// <summary>Length of every well-formed key.</summary>
    public const int Length = PrefixLength + RandomLength + ChecksumLength;

    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>Makes a new key for <paramref name="environment"/> from a cryptographic random source.</summary>
    public static string Generate(GatewayEnvironment environment)
    {
        var body = PrefixFor(environment) + new string(RandomNumberGenerator.GetItems<char>(Alphabet, RandomLength));
        return body + Checksum(body);
    }

    public static string PrefixFor(GatewayEnvironment environment) =>
        environment == GatewayEnvironment.Production ? ProductionPrefix : SandboxPrefix;

    /// <summary>
    /// Checks a key's shape and checksum without contacting anyone. A valid key tells its environment;
    /// an invalid one tells what is wrong in a sentence a merchant can act on.
    /// </summary>
    public static ApiKeyCheck Check(string? candidate)
    {
        if (string.IsNullOrWhiteSpace(candidate))
        {
            return ApiKeyCheck.Invalid(ProblemCodes.MissingApiKey, "No API key was given.");
        }

        var key = candidate.Trim();
        GatewayEnvironment environment;
        if (key.StartsWith(SandboxPrefix, StringComparison.Ordinal))
        {
            environment = GatewayEnvironment.Sandbox;
        }
        else if (key.StartsWith(ProductionPrefix, StringComparison.Ordinal))
        {
            environment = GatewayEnvironment.Production;
        }
        else
        {
            return ApiKeyCheck.Invalid(ProblemCodes.MalformedApiKey,
                $"An API key starts with '{SandboxPrefix}' (sandbox) or '{ProductionPrefix}' (production).");
        }

        if (key.Length != Length)
        {
            return ApiKeyCheck.Invalid(ProblemCodes.MalformedApiKey,
                key.Length < Length
                    ? $"The API key is {Length - key.Length} character(s) short: it was probably cut off when pasted."
                    : $"The API key has {key.Length - Length} character(s) too many: check for extra text around it.");
        }

        for (var i = PrefixLength; i < key.Length; i++)
        {
            if (!char.IsAsciiLetterOrDigit(key[i]))
            {
                return ApiKeyCheck.Invalid(ProblemCodes.MalformedApiKey,
                    $"The API key has an unexpected character at position {i + 1}.");
            }
        }

        var body = key[..^ChecksumLength];
        if (!string.Equals(Checksum(body), key[^ChecksumLength..], StringComparison.Ordinal))
        {
            return ApiKeyCheck.Invalid(ProblemCodes.MalformedApiKey,
                "The API key's checksum does not match: a character was mistyped or changed.");
        }

        return ApiKeyCheck.Valid(key, environment);
    }

    private static string Checksum(string body)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.ASCII.GetBytes(body), hash);
        var value = BitConverter.ToUInt32(hash[..4]);
        Span<char> digits = stackalloc char[ChecksumLength];
        for (var i = ChecksumLength - 1; i >= 0; i--)
        {
            digits[i] = Alphabet[(int)(value % 62)];
            value /= 62;
        }

        return new string(digits);
    }
}

/// <summary>The outcome of <see cref="ApiKeyFormat.Check"/>: a normalized key and its environment, or a reason.</summary>
public readonly record struct ApiKeyCheck(bool IsValid, string? ApiKey, GatewayEnvironment Environment, string? Code, string? Message)
{
    public static ApiKeyCheck Valid(string apiKey, GatewayEnvironment environment) => new(true, apiKey, environment, null, null);

    public static ApiKeyCheck Invalid(string code, string message) => new(false, null, default, code, message);
}
