using CommerceServices.Testing;
namespace CommerceServices.Storefront.BrowserTests;

/// <summary>
/// Debian's Chromium driven by Playwright, headless. The browser is the system's (<c>build/test.sh</c> installs it),
/// never one downloaded by <c>playwright install</c>; the classes that run at the same time share it
/// (<see cref="SharedChromium"/>), each page in a context of its own.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    private SharedChromium.Lease? _lease;

    public IBrowser Browser => _lease!.Browser;

    /// <summary>Headers and CSP violations of every page any test of the class opens; each test ends by asserting it clean.</summary>
    public PageChecks Checks { get; } = new();

    public async Task InitializeAsync() => _lease = await SharedChromium.AcquireAsync();

    public async Task DisposeAsync()
    {
        if (_lease is not null)
        {
            await _lease.DisposeAsync();
        }
    }

    /// <summary>A fresh browser profile (no cookies) on a desktop-sized window (or <paramref name="width"/> wide).</summary>
    public async Task<IPage> NewPageAsync(Uri baseUrl, int width = 1280)
    {
        var context = await _lease!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl.AbsoluteUri, ViewportSize = new ViewportSize { Width = width, Height = 900 },
        });
        context.SetDefaultTimeout(30_000);
        await Checks.WatchAsync(context);
        return await context.NewPageAsync();
    }
}
