using Microsoft.Extensions.Primitives;

namespace CommerceServices.Platform.Gateway;

/// <summary>Reads the protocol's headers, each of which may come under its own name or an alias (DESIGN.md section 3).</summary>
internal static class GatewayHeaderValues
{
    /// <summary>
    /// The one value of <paramref name="name"/> or <paramref name="alias"/>, trimmed; null when neither carries one.
    /// Sent twice, or with the two names disagreeing, is a <paramref name="problem"/>; the same value under both names
    /// (what the existing Magento module does) is fine.
    /// </summary>
    public static string? ReadOne(IHeaderDictionary headers, string name, string? alias, out string? problem)
    {
        problem = null;
        var first = headers[name];
        var second = alias is null ? StringValues.Empty : headers[alias];
        if (first.Count > 1 || second.Count > 1)
        {
            problem = $"'{(first.Count > 1 ? name : alias)}' was sent more than once.";
            return null;
        }

        var primary = first.ToString().Trim();
        var secondary = second.ToString().Trim();
        if (primary.Length > 0 && secondary.Length > 0 && !string.Equals(primary, secondary, StringComparison.Ordinal))
        {
            problem = $"'{name}' and '{alias}' carry different values.";
            return null;
        }

        var value = primary.Length > 0 ? primary : secondary;
        return value.Length == 0 ? null : value;
    }
}
