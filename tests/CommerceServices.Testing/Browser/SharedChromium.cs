using Microsoft.Playwright;

namespace CommerceServices.Testing;

/// <summary>
/// One headless Chromium (<see cref="DebianChromium"/>) for every browser test class of a test process that runs while
/// another holds it: each launch costs Chromium's and Playwright's driver start (a few CPU-seconds), and the classes need
/// no more than a browser context each (their own cookies and storage). The last class to let go closes it, so nothing
/// is left running after the tests; a class that starts later launches a new one.
/// </summary>
public static class SharedChromium
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static IPlaywright? s_playwright;
    private static IBrowser? s_browser;
    private static int s_holders;

    /// <summary>The browser, held until the lease is disposed.</summary>
    public static async Task<Lease> AcquireAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (s_browser is null)
            {
                s_playwright = await Playwright.CreateAsync();
                s_browser = await s_playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
                {
                    ExecutablePath = DebianChromium.ExecutablePath,
                    Headless = true,
                    Args = DebianChromium.Args,
                });
            }

            s_holders++;
            return new Lease(s_browser);
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task ReleaseAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (--s_holders > 0 || s_browser is null)
            {
                return;
            }

            await s_browser.DisposeAsync();
            s_playwright?.Dispose();
            (s_browser, s_playwright) = (null, null);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>A class's hold on the browser: the contexts it made through <see cref="NewContextAsync"/> close with it.</summary>
    public sealed class Lease(IBrowser browser) : IAsyncDisposable
    {
        private readonly List<IBrowserContext> _contexts = [];
        private bool _released;

        public IBrowser Browser => browser;

        public async Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions options)
        {
            var context = await browser.NewContextAsync(options);
            lock (_contexts)
            {
                _contexts.Add(context);
            }

            return context;
        }

        public async ValueTask DisposeAsync()
        {
            if (_released)
            {
                return;
            }

            _released = true;
            List<IBrowserContext> contexts;
            lock (_contexts)
            {
                contexts = [.. _contexts];
            }

            foreach (var context in contexts)
            {
                await context.CloseAsync();
            }

            await ReleaseAsync();
        }
    }
}
