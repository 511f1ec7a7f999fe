namespace CommerceServices.Platform.Portal;

/// <summary>How the pages write times: UTC to the minute, the same on every page.</summary>
public static class PortalFormat
{
    public static string Time(DateTimeOffset? at, string none = "never") =>
        at is { } value ? value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture) : none;
}
