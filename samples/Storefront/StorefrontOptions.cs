namespace Storefront;

/// <summary>The <c>Storefront</c> configuration section.</summary>
public sealed class StorefrontOptions
{
    public const string Section = "Storefront";

    /// <summary>Orders, the connector's settings store and the generated admin password; relative to the content root.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>The platform's account portal (where keys are made).</summary>
    public Uri PortalUrl { get; set; } = new("http://127.0.0.1:5080");

    public string AdminUser { get; set; } = "admin";

    /// <summary>The admin password; when empty, one is generated at first start into <c>{DataDirectory}/admin-password</c>.</summary>
    public string? AdminPassword { get; set; }

    public string Currency { get; set; } = "EUR";

    /// <summary>Admin sign-in posts one client address may make per minute (then 429).</summary>
    public int SignInAttemptsPerMinute { get; set; } = 10;
}
