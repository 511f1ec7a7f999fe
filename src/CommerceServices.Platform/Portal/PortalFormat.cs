namespace CommerceServices.Platform.Portal;

/// <summary>How the pages write times (UTC to the minute, the same on every page) and user text.</summary>
public static class PortalFormat
{
    /// <summary>
    /// User text inside a first-strong isolate (U+2068 … U+2069), where markup cannot isolate it (an option, a title, an
    /// attribute): whatever direction it holds stays inside. In page text the pages use <c>&lt;bdi&gt;</c>.
    /// </summary>
    public static string Isolate(string text) => $"\u2068{text}\u2069";

    public static string Time(DateTimeOffset? at, string none = "never") =>
        at is { } value ? value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture) : none;
}
