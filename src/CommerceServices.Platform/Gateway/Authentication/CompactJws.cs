using System.Buffers.Text;
using System.Text.Unicode;
using System.Text.Json;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Tokens;

namespace CommerceServices.Platform.Gateway.Authentication;

/// <summary>
/// A gateway token read strictly as a compact JWS (RFC 7515 §7.1) before any RSA work: exactly three parts of the
/// base64url alphabet without padding; a header and a payload that are each exactly one JSON object; <c>alg</c> RS256;
/// no <c>crit</c> extension (we understand none, so RFC 7515 §4.1.11 says refuse); <c>exp</c> present and, like
/// <c>nbf</c> and <c>iat</c>, a JSON number. Whatever fails says precisely what, under <c>malformed_signature</c>, so a
/// merchant is never told "wrong key" for a token that was broken before it was signed.
/// </summary>
internal readonly record struct CompactJws(string SigningInput, byte[] Signature, long Expires, long? NotBefore, long? IssuedAt)
{
    /// <summary>The latest time a NumericDate may name (9999-12-31T23:59:59Z), so every value is a valid date.</summary>
    private const long MaximumNumericDate = 253402300799;

    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false, MaxDepth = 16 };

    /// <summary>The token, or the refusal (its code and sentence) when it is not one the gateway can check.</summary>
    public static CompactJws? Read(string token, out string? code, out string? message)
    {
        code = ProblemCodes.MalformedSignature;
        var firstDot = token.IndexOf('.');
        var secondDot = firstDot < 0 ? -1 : token.IndexOf('.', firstDot + 1);
        if (secondDot < 0 || token.IndexOf('.', secondDot + 1) >= 0)
        {
            message = $"The signature has {token.AsSpan().Count('.') + 1} part(s); a JWT has exactly three, " +
                      "base64url header.payload.signature (RFC 7515 compact serialization).";
            return null;
        }

        if ((message = CheckPart(token.AsSpan(0, firstDot), "header", 0)
                       ?? CheckPart(token.AsSpan(firstDot + 1, secondDot - firstDot - 1), "payload", firstDot + 1)
                       ?? CheckPart(token.AsSpan(secondDot + 1), "signature", secondDot + 1)) is not null)
        {
            return null;
        }

        using var header = ParseObject(token.AsSpan(0, firstDot), "header", out message);
        if (header is null)
        {
            return null;
        }

        var root = header.RootElement;
        if (!root.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String
            || !alg.ValueEquals(GatewayTokenRules.Algorithm))
        {
            code = ProblemCodes.UnsupportedAlgorithm;
            message = $"The signature's header names alg {(alg.ValueKind == JsonValueKind.Undefined ? "nothing" : alg.GetRawText())}; " +
                      "it must be \"RS256\" (RSA PKCS#1 v1.5 with SHA-256).";
            return null;
        }

        if (root.TryGetProperty("crit", out var crit))
        {
            message = $"The signature's header lists critical extensions ('crit': {Shorten(crit.GetRawText())}) this gateway does not " +
                      "understand, so it must refuse the token (RFC 7515 §4.1.11). Sign without 'crit'.";
            return null;
        }

        if (secondDot == token.Length - 1)
        {
            message = "The signature part of the JWT is empty: an RS256 token carries its signature after the second '.'.";
            return null;
        }

        using var payload = ParseObject(token.AsSpan(firstDot + 1, secondDot - firstDot - 1), "payload", out message);
        if (payload is null)
        {
            return null;
        }

        var claims = payload.RootElement;
        if (!claims.TryGetProperty("exp", out _))
        {
            message = "The token has no 'exp'; it is required (the time after which it is refused, in seconds since 1970).";
            return null;
        }

        if (ReadDate(claims, "exp", out message) is not { } expires
            || !TryReadOptionalDate(claims, "nbf", out var notBefore, out message)
            || !TryReadOptionalDate(claims, "iat", out var issuedAt, out message))
        {
            return null;
        }

        if (notBefore > expires)
        {
            message = "The token's 'nbf' is after its 'exp': it would never be valid.";
            return null;
        }

        byte[] signature;
        try
        {
            signature = Base64Url.DecodeFromChars(token.AsSpan(secondDot + 1));
        }
        catch (FormatException)
        {
            message = "The signature part of the JWT is not valid base64url.";
            return null;
        }

        code = null;
        return new CompactJws(token[..secondDot], signature, expires, notBefore, issuedAt);
    }

    private static string? CheckPart(ReadOnlySpan<char> part, string name, int offset)
    {
        if (part.IsEmpty && name != "signature")
        {
            return $"The {name} part of the JWT is empty.";
        }

        for (var i = 0; i < part.Length; i++)
        {
            var c = part[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            {
                continue;
            }

            return c == '='
                ? $"The {name} part of the JWT ends with '=' padding; JWTs use base64url without padding (RFC 7515 §2)."
                : $"The {name} part of the JWT has a character outside the base64url alphabet (A-Z a-z 0-9 - _) at position {offset + i + 1}.";
        }

        return part.Length % 4 == 1 ? $"The {name} part of the JWT has a length no base64url text can have ({part.Length})." : null;
    }

    private static JsonDocument? ParseObject(ReadOnlySpan<char> part, string name, out string? message)
    {
        try
        {
            // JSON in UTF-8 (RFC 7519 §7.2): the JSON reader checks string contents only when a value is read as a string,
            // so a byte that is no UTF-8 inside a claim nobody reads would pass unseen.
            var bytes = Base64Url.DecodeFromChars(part);
            if (!Utf8.IsValid(bytes))
            {
                message = $"The JWT's {name} is not UTF-8 text; a JWT's header and payload are JSON in UTF-8 (RFC 7519).";
                return null;
            }

            // One JSON value and nothing after it (a second object or junk is a JsonException), and that value an object.
            var document = JsonDocument.Parse(bytes, Strict);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                message = null;
                return document;
            }

            document.Dispose();
            message = $"The JWT's {name} is JSON but not an object: it must be exactly one JSON object.";
        }
        catch (JsonException)
        {
            message = $"The JWT's {name} is not exactly one JSON object (it is not JSON, has a member twice, or has text after the object).";
        }
        catch (FormatException)
        {
            message = $"The {name} part of the JWT is not valid base64url.";
        }

        return null;
    }

    private static long? ReadDate(JsonElement claims, string name, out string? message)
    {
        var value = claims.GetProperty(name);
        if (value.ValueKind != JsonValueKind.Number)
        {
            message = $"'{name}' must be a JSON number of seconds since 1970 (a NumericDate), not {Shorten(value.GetRawText())}.";
            return null;
        }

        if (!value.TryGetDouble(out var seconds) || !(seconds is >= 0 and <= MaximumNumericDate))
        {
            message = $"'{name}' ({Shorten(value.GetRawText())}) is not a date: it must be seconds since 1970, before the year 10000.";
            return null;
        }

        message = null;
        return (long)Math.Floor(seconds);
    }

    private static bool TryReadOptionalDate(JsonElement claims, string name, out long? date, out string? message)
    {
        message = null;
        date = null;
        if (!claims.TryGetProperty(name, out _))
        {
            return true;
        }

        date = ReadDate(claims, name, out message);
        return date is not null;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
