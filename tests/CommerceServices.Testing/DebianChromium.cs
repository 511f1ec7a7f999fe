namespace CommerceServices.Testing;

/// <summary>
/// How the browser tests start Chromium: Debian's package (installed by build/test.sh), headless, never a browser that
/// Playwright downloads; background networking off, since this machine reaches nothing but the package registries.
/// </summary>
public static class DebianChromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static IReadOnlyList<string> Args { get; } =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
}
