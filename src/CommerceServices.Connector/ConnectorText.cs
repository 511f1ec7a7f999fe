namespace CommerceServices.Connector;

/// <summary>Small pieces of the connector's sentences.</summary>
internal static class ConnectorText
{
    /// <summary>"a", "a and b", "a, b and c"; "nothing" when empty.</summary>
    public static string JoinList(IReadOnlyList<string> items) => items.Count switch
    {
        0 => "nothing",
        1 => items[0],
        _ => string.Join(", ", items.Take(items.Count - 1)) + " and " + items[^1],
    };

    /// <summary>Null for blank input, else the value trimmed.</summary>
    public static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
