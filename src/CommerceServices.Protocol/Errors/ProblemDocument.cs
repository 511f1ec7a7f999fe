using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace CommerceServices.Protocol;

/// <summary>
/// Reads an RFC 9457 <c>application/problem+json</c> answer of the platform: its stable <c>code</c> and the sentence for
/// people (<c>detail</c>, else <c>message</c>, else <c>title</c>). The one reader the connector and the CLI share.
/// </summary>
public static class ProblemDocument
{
    /// <summary>
    /// True when <paramref name="json"/> is a problem document with a non-empty string <c>code</c>. Anything else (an
    /// HTML page from a proxy, a truncated body, a code that is not a string) is false, never an exception.
    /// </summary>
    public static bool TryRead(string? json, [NotNullWhen(true)] out string? code, out string? detail)
    {
        code = null;
        detail = null;
        if (string.IsNullOrWhiteSpace(json))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("code", out var codeElement) || codeElement.ValueKind != JsonValueKind.String
                || codeElement.GetString() is not { Length: > 0 } read)
            {
                return false;
            }

            code = read;
            detail = StringMember(root, "detail") ?? StringMember(root, "message") ?? StringMember(root, "title");
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? StringMember(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : null;
}
