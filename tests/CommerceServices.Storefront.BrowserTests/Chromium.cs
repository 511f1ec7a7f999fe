using CommerceServices.Testing;
namespace CommerceServices.Storefront.BrowserTests;

/// <summary>
/// Debian's Chromium driven by Playwright, headless. The browser is the system's (<c>build/test.sh</c> installs it),
/// never one downloaded by <c>playwright install</c>.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Headers and CSP violations of every page any test of the class opens; each test ends by asserting it clean.</summary>
    public PageChecks Checks { get; } = new();

    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = DebianChromium.ExecutablePath,
            Headless = true,
            Args = DebianChromium.Args,
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>A fresh browser profile (no cookies) on a desktop-sized window (or <paramref name="width"/> wide).</summary>
    public async Task<IPage> NewPageAsync(Uri baseUrl, int width = 1280)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl.AbsoluteUri, ViewportSize = new ViewportSize { Width = width, Height = 900 },
        });
        context.SetDefaultTimeout(30_000);
        await Checks.WatchAsync(context);
        return await context.NewPageAsync();
    }
}
