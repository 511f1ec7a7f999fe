using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace CommerceServices.Portal.BrowserTests;

/// <summary>The API reference page (<c>/docs</c>, Scalar) in real headless Chromium, on a machine with no internet.</summary>
public sealed class ApiReferenceBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task TheApiReference_RendersTheManagementAndTheGatewayApi_WithEverythingServedByThePortal()
    {
        var page = await fixture.NewPageAsync();
        var requested = new ConcurrentQueue<string>();
        var failed = new ConcurrentQueue<string>();
        page.Request += (_, request) => requested.Enqueue(request.Url);
        page.RequestFailed += (_, request) => failed.Enqueue($"{request.Url}: {request.Failure}");
        var violations = new ConcurrentQueue<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                violations.Enqueue(message.Text);
            }
        };

        await page.GotoAsync("/docs");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Commerce Services management API" }).First)
            .ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Screenshots.TakeAsync(page, "api-reference", fullPage: false); // Scalar scrolls inside its own panes

        await page.GotoAsync("/docs/gateway");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Commerce Services gateway API" }).First)
            .ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByText("The signature token").First).ToBeVisibleAsync();
        await Screenshots.TakeAsync(page, "api-reference-gateway", fullPage: false);

        var origin = fixture.Host.PortalUrl.GetLeftPart(UriPartial.Authority);
        Assert.Empty(failed);
        Assert.Empty(violations); // the page's own policy (its one inline script by hash) lets Scalar run, and nothing else
        Assert.All(requested.Where(u => !u.StartsWith("data:", StringComparison.Ordinal)),
            url => Assert.StartsWith(origin, url, StringComparison.Ordinal));
    }
}
