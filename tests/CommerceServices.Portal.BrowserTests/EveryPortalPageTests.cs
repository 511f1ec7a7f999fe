using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommerceServices.Testing;
using Microsoft.Playwright;

namespace CommerceServices.Portal.BrowserTests;

/// <summary>
/// Every page of the account portal at 390 and 1280 px, with an account and a project whose long names once made the
/// portal scroll sideways: no sideways scroll, no word broken inside; and on each page the security headers (framing
/// refused on every signed-in page) and no Content-Security-Policy violation.
/// </summary>
public sealed class EveryPortalPageTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly List<string> _layout = [];

    public Task InitializeAsync()
    {
        fixture.Checks.Clear();
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => fixture.Checks.AssertCleanAsync();

    [Fact]
    public async Task EveryPortalPage_FitsAPhoneAndADesktop_EvenWithLongNames_WithItsSecurityHeaders()
    {
        var accountName = string.Concat(Enumerable.Repeat("Longnamedshop", 16))[..200];
        var (invitedAccount, _, link) = await fixture.InviteAsync(name: "Invited Shop");
        var anonymous = await fixture.NewPageAsync();
        await VisitAsync(anonymous, "/sign-in");
        await VisitAsync(anonymous, link.PathAndQuery); // the invitation, before it is used
        await VisitAsync(anonymous, "/invitations/not-a-real-link");
        Assert.NotNull(invitedAccount);

        var (page, accountId, _) = await fixture.SignedInAsync(name: accountName);
        var projectName = string.Concat(Enumerable.Repeat("Projectname", 10))[..100];
        var project = await PostAsync($"/api/v1/accounts/{accountId}/projects", new { name = projectName });
        var space = await PostAsync($"/api/v1/accounts/{accountId}/data-spaces", new { projectId = project["id"]!.GetValue<string>(), name = "storefront", type = "testing" });
        var key = await PostAsync($"/api/v1/accounts/{accountId}/keys", new { environment = "sandbox" });
        await PostAsync($"/api/v1/accounts/{accountId}/tokens", new { name = "deploy script" });

        await VisitAsync(page, "/");
        await VisitAsync(page, "/keys");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create production key" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your new production key" })).ToBeVisibleAsync();
        await LayoutAsync(page); // the private key, once
        await VisitAsync(page, "/keys"); // both environments with keys
        await page.GetByRole(AriaRole.Button, new() { Name = "Create sandbox key" }).ClickAsync();
        await LayoutAsync(page); // asks first: the active key would stop working
        await VisitAsync(page, $"/keys/{key["apiKey"]!.GetValue<string>()}/delete");
        await VisitAsync(page, "/data-spaces");
        await VisitAsync(page, $"/data-spaces/{space["id"]!.GetValue<string>()}");
        await VisitAsync(page, "/services");
        await VisitAsync(page, "/activity");
        await VisitAsync(page, "/tokens");
        await page.GetByLabel("Name").FillAsync("a second token");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        await LayoutAsync(page); // the token, once
        await VisitAsync(page, "/password");
        await VisitAsync(page, "/data-spaces/ds_not_there"); // not found

        Assert.True(_layout.Count == 0, "Pages that do not fit:\n" + string.Join('\n', _layout));
        Assert.True(fixture.Checks.PagesSeen.Count >= 15, string.Join(", ", fixture.Checks.PagesSeen));
    }

    private async Task<JsonObject> PostAsync(string path, object body)
    {
        using var response = await fixture.Host.Management.PostAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private async Task VisitAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        await LayoutAsync(page);
    }

    private async Task LayoutAsync(IPage page) => _layout.AddRange(await PageLayout.ProblemsAtEveryWidthAsync(page));
}
