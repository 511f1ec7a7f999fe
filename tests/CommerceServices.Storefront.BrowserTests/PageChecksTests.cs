using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CommerceServices.Storefront.BrowserTests;

/// <summary>The checker every browser test runs under catches what it is there to catch (so its silence means something).</summary>
public sealed class PageChecksTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task APageWithAnInlineStyleAndScript_UnderAStrictPolicy_IsReportedAsViolations()
    {
        await using var app = await StartAsync(http =>
        {
            http.Response.Headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
            http.Response.Headers.XContentTypeOptions = "nosniff";
            http.Response.Headers.XFrameOptions = "DENY";
            http.Response.Headers["Referrer-Policy"] = "no-referrer";
            http.Response.Headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
            return "<!DOCTYPE html><html><head><style>body{color:red}</style></head><body><p style=\"color:blue\">x</p><script>document.title='x'</script></body></html>";
        });
        var checks = new PageChecks();
        var context = await chromium.Browser.NewContextAsync();
        await checks.WatchAsync(context);
        var page = await context.NewPageAsync();

        await page.GotoAsync(app.Url);
        await page.WaitForTimeoutAsync(300); // console events arrive after the load

        Assert.Contains(checks.Problems, p => p.Contains("style-src", StringComparison.Ordinal));
        Assert.Contains(checks.Problems, p => p.Contains("script-src", StringComparison.Ordinal));
        await Assert.ThrowsAsync<PageRulesBrokenException>(checks.AssertCleanAsync);
        await context.CloseAsync();
    }

    [Fact]
    public async Task APageWithoutItsHeaders_IsReported()
    {
        await using var app = await StartAsync(_ => "<!DOCTYPE html><html><body><p>plain</p></body></html>");
        var checks = new PageChecks();
        var context = await chromium.Browser.NewContextAsync();
        await checks.WatchAsync(context);
        var page = await context.NewPageAsync();

        await page.GotoAsync(app.Url);
        await checks.SettleAsync();

        Assert.Contains(checks.Problems, p => p.Contains("no Content-Security-Policy", StringComparison.Ordinal));
        Assert.Contains(checks.Problems, p => p.Contains("nosniff", StringComparison.Ordinal));
        Assert.Contains(checks.Problems, p => p.Contains("Server header", StringComparison.Ordinal));
        await context.CloseAsync();
    }

    [Fact]
    public async Task APageThatScrollsSideways_BreaksAWord_OrWrapsATableValue_IsReported()
    {
        await using var app = await StartAsync(_ => "<!DOCTYPE html><html><head><meta name=\"viewport\" content=\"width=device-width\"></head><body>" +
            "<div style=\"width:700px\">wide</div><p style=\"width:3em;overflow-wrap:anywhere\">activation</p>" +
            "<table style=\"width:40px\"><tr><td>43.50 EUR</td></tr></table><p><code style=\"width:2em;display:block;overflow-wrap:anywhere\">pay_0123456789</code></p></body></html>");
        var context = await chromium.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(app.Url);

        var wide = await PageLayout.ProblemsAsync(page);
        await page.SetViewportSizeAsync(390, 900);
        var narrow = await PageLayout.ProblemsAsync(page);

        Assert.Contains(narrow, p => p.StartsWith("scrolls sideways", StringComparison.Ordinal));
        Assert.Contains(narrow, p => p.Contains("\"activation\" is broken", StringComparison.Ordinal));
        Assert.Contains(wide, p => p.Contains("\"43.50 EUR\" wraps in a table cell", StringComparison.Ordinal));
        Assert.DoesNotContain(narrow.Concat(wide), p => p.Contains("0123456789", StringComparison.Ordinal)); // ids may wrap
        await context.CloseAsync();
    }

    private static async Task<TestSite> StartAsync(Func<HttpContext, string> page)
    {
        var builder = WebApplication.CreateBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/", (HttpContext http) => Results.Content(page(http), "text/html; charset=utf-8"));
        await app.StartAsync();
        return new TestSite(app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    private sealed record TestSite(WebApplication App, string Url) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await App.DisposeAsync();
    }
}
