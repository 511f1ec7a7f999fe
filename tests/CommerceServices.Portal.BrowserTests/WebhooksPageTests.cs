using System.Net.Http.Json;
using System.Text.RegularExpressions;
using CommerceServices.Testing;
using Microsoft.Playwright;

namespace CommerceServices.Portal.BrowserTests;

/// <summary>The Webhooks page: add an endpoint (its secret once), a test event and its attempt, replay, roll, the banner of a disabled endpoint.</summary>
public sealed partial class WebhooksPageTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AMerchantAddsAnEndpoint_SeesItsSecretOnce_SendsATestEvent_ReplaysIt_AndIsToldWhenTheReceiverIsGone()
    {
        var (page, accountId, _) = await fixture.SignedInAsync();
        await using var receiver = await WebhookReceiver.StartAsync();

        await page.GotoAsync("/webhooks");
        await page.GetByLabel("URL").FillAsync(receiver.Url.AbsoluteUri);
        await page.GetByLabel("API keys (created, rolled, revoked, expiring)").CheckAsync();
        await page.GetByLabel("Description (optional)").FillAsync("order sync");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add endpoint" }).ClickAsync();
        var secret = (await page.Locator("#secret").InnerTextAsync()).Trim();
        Assert.Matches("^whsec_", secret);
        await Screenshots.TakeAsync(page, "webhooks-secret");
        var secretUrl = page.Url;
        await receiver.SetSecretsAsync(secret);

        await page.GetByRole(AriaRole.Link, new() { Name = "Done" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Send test event" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("test event");
        var first = await receiver.WaitForAsync(r => r.Count == 1, Patience, "the test event");
        Assert.Equal(0, first[0].VerifiedWith);
        await WaitForAttemptsAsync(page, 1);
        Assert.Contains("204", await page.Locator("#attempt-list").InnerTextAsync());

        // The secret is not on any page any more: the one-time page is gone, the endpoint's page never had it.
        await page.GotoAsync(secretUrl);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This secret is gone" })).ToBeVisibleAsync();
        await page.GoBackAsync();

        // Replay the delivery from its row: the same webhook-id comes again.
        await page.GotoAsync(page.Url);
        await page.GetByRole(AriaRole.Button, new() { NameRegex = ReplayButton() }).First.ClickAsync();
        var both = await receiver.WaitForAsync(r => r.Count == 2, Patience, "the replay");
        Assert.Equal(both[0].Id, both[1].Id);
        await WaitForAttemptsAsync(page, 2);
        await Screenshots.TakeAsync(page, "webhooks-endpoint");

        // Forms work without JavaScript (a strict CSP page, antiforgery in the form): a test event from a script-less browser.
        var cookies = await page.Context.CookiesAsync();
        await using var plain = await fixture.Browser.NewContextAsync(new() { BaseURL = fixture.Host.PortalUrl.AbsoluteUri, JavaScriptEnabled = false });
        await plain.AddCookiesAsync(cookies.Select(c => new Cookie { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path }));
        var noScript = await plain.NewPageAsync();
        await noScript.GotoAsync(new Uri(page.Url).PathAndQuery);
        await noScript.GetByRole(AriaRole.Button, new() { Name = "Send test event" }).ClickAsync();
        await Assertions.Expect(noScript.GetByRole(AriaRole.Status)).ToContainTextAsync("test event");
        await receiver.WaitForAsync(r => r.Count == 3, Patience, "the script-less test event");
        var html = await noScript.ContentAsync();
        Assert.DoesNotMatch(InlineScriptOrStyle(), html);

        // Rolling the secret shows the new one once; the endpoint then lists two secrets, the old one with its end.
        await page.GetByLabel("Roll: the current secret stays valid for").SelectOptionAsync("3600");
        await page.GetByRole(AriaRole.Button, new() { Name = "Roll secret" }).ClickAsync();
        Assert.NotEqual(secret, (await page.Locator("#secret").InnerTextAsync()).Trim());
        await page.GetByRole(AriaRole.Link, new() { Name = "Done" }).ClickAsync();
        await Assertions.Expect(page.GetByText("valid until")).ToBeVisibleAsync();

        // A second receiver answers 410: the platform disables that endpoint and every page says so.
        await using var gone = await WebhookReceiver.StartAsync();
        await gone.SetBehaviourAsync(new ReceiverBehaviour(Status: 410));
        using var created = await fixture.Host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/webhooks",
            new { url = gone.Url.AbsoluteUri, environment = "production", events = new[] { "*" } });
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, created.StatusCode); // production: https and a public address only
        using var sandbox = await fixture.Host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/webhooks",
            new { url = gone.Url.AbsoluteUri, environment = "sandbox", events = new[] { "*" }, description = "old receiver" });
        var goneId = (await sandbox.ReadNodeAsync())["endpoint"]!["id"]!.GetValue<string>();
        (await fixture.Host.Management.PostAsync($"/api/v1/accounts/{accountId}/webhooks/{goneId}/test", null)).EnsureSuccessStatusCode();
        await gone.WaitForAsync(r => r.Count == 1, Patience, "the delivery answered 410");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            await Task.Delay(200);
            await page.GotoAsync("/webhooks");
        }
        while (!await page.Locator("#webhook-banner").IsVisibleAsync() && watch.Elapsed < Patience);

        Assert.Contains("410", await page.Locator("#webhook-banner").InnerTextAsync());
        await Screenshots.TakeAsync(page, "webhooks");
        await page.GotoAsync("/");
        Assert.True(await page.Locator("#webhook-banner").IsVisibleAsync());
    }

    [Fact]
    public async Task ABadUrl_IsRefusedInWords_AndKeepsWhatWasTyped()
    {
        var (page, _, _) = await fixture.SignedInAsync(width: 390);
        await page.GotoAsync("/webhooks");
        await page.GetByLabel("URL").FillAsync("http://169.254.169.254/latest/meta-data");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add endpoint" }).ClickAsync();

        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("link-local");
        Assert.Equal("http://169.254.169.254/latest/meta-data", await page.GetByLabel("URL").InputValueAsync());
        Assert.Contains("No endpoints yet", await page.ContentAsync(), StringComparison.Ordinal);
    }

    private static async Task WaitForAttemptsAsync(IPage page, int count)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (await page.Locator("#attempt-list tbody tr").CountAsync() < count)
        {
            Assert.True(watch.Elapsed < Patience, $"{count} attempts never showed");
            await Task.Delay(200);
            await page.ReloadAsync();
        }
    }

    [GeneratedRegex("^Send evt_")]
    private static partial Regex ReplayButton();

    [GeneratedRegex(@"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=""|<style", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScriptOrStyle();
}
