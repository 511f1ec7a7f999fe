using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommerceServices.Testing;
using Microsoft.Playwright;

namespace CommerceServices.Portal.BrowserTests;

/// <summary>
/// One platform on real ports per test class, and headless Chromium (Debian's, at /usr/bin/chromium; never downloaded),
/// shared with the classes running at the same time (<see cref="SharedChromium"/>). Each test gets its own browser
/// context: its own cookies.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private SharedChromium.Lease? _lease;

    public PlatformHost Host { get; private set; } = null!;

    public IBrowser Browser => _lease!.Browser;

    /// <summary>Headers and CSP violations of every page any test of the class opens; each test ends by asserting it clean.</summary>
    public PageChecks Checks { get; } = new();

    public async Task InitializeAsync()
    {
        Host = await PlatformHost.StartAsync();
        _lease = await SharedChromium.AcquireAsync();
    }

    public async Task DisposeAsync()
    {
        if (_lease is not null)
        {
            await _lease.DisposeAsync();
        }

        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }

    public async Task<IPage> NewPageAsync(int width = 1280)
    {
        var context = await _lease!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Host.PortalUrl.AbsoluteUri,
            ViewportSize = new ViewportSize { Width = width, Height = 900 },
            AcceptDownloads = true,
        });
        // Generous: the machine running the suite may be busy; nothing here measures speed.
        context.SetDefaultTimeout(30_000);
        Assertions.SetDefaultExpectTimeout(15_000);
        await Checks.WatchAsync(context);
        return await context.NewPageAsync();
    }

    /// <summary>An account (entitled to Payment Services unless told otherwise) and an invitation link for a new user of it.</summary>
    public async Task<(string AccountId, string Email, Uri Link)> InviteAsync(bool payments = true, string name = "Example Shop")
    {
        var email = $"{Guid.NewGuid():N}@example.test";
        using var created = await Host.Management.PostAsJsonAsync("/api/v1/accounts", new { email, name });
        var accountId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        if (payments)
        {
            (await Host.Management.PutAsync($"/api/v1/accounts/{accountId}/entitlements/payments", null)).EnsureSuccessStatusCode();
        }

        using var invited = await Host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/invitations", new { email });
        invited.EnsureSuccessStatusCode();
        return (accountId, email, new Uri((await invited.Content.ReadFromJsonAsync<JsonObject>())!["url"]!.GetValue<string>()));
    }

    /// <summary>A signed-in user of a new account: invitation accepted in the browser.</summary>
    public async Task<(IPage Page, string AccountId, string Email)> SignedInAsync(bool payments = true, int width = 1280, string name = "Example Shop")
    {
        var (accountId, email, link) = await InviteAsync(payments, name);
        var page = await NewPageAsync(width);
        await page.GotoAsync(link.AbsoluteUri);
        await page.GetByLabel("New password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password and sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = name })).ToBeVisibleAsync(new() { Timeout = 30_000 });
        return (page, accountId, email);
    }

    public const string Password = "correct horse battery staple";
}

/// <summary>Screenshots of the pages for the README, at a desktop and a phone width, under stable names.</summary>
public static class Screenshots
{
    public static readonly int[] Widths = [1280, 390];

    public static string Folder { get; } = RepositoryPaths.ScreenshotFolder();

    /// <summary>The whole page, or only what the window shows for a page that scrolls inside itself.</summary>
    public static async Task TakeAsync(IPage page, string name, bool fullPage = true)
    {
        foreach (var width in Widths)
        {
            await page.SetViewportSizeAsync(width, 900);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Folder, $"{name}-{width}.png"), FullPage = fullPage });
        }

        await page.SetViewportSizeAsync(1280, 900);
    }
}
