using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using CommerceServices.Cli;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Payments;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CommerceServices.Portal.BrowserTests;

/// <summary>The account portal in real headless Chromium, against the platform on real ports.</summary>
public sealed partial class PortalBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    public Task InitializeAsync()
    {
        fixture.Checks.Clear();
        return Task.CompletedTask;
    }

    // Every page this test opened had its security headers and no Content-Security-Policy violation.
    public Task DisposeAsync() => fixture.Checks.AssertCleanAsync();

    [Fact]
    public async Task AnInvitedMerchant_SetsAPassword_SignsIn_AndIsLockedOutAfterFiveWrongPasswords()
    {
        var (_, email, link) = await fixture.InviteAsync();
        var page = await fixture.NewPageAsync();

        await page.GotoAsync(link.AbsoluteUri);
        await Screenshots.TakeAsync(page, "invitation");
        await page.GetByLabel("New password").FillAsync(BrowserFixture.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password and sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Example Shop" })).ToBeVisibleAsync();
        await Screenshots.TakeAsync(page, "overview");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/sign-in$"));
        await Screenshots.TakeAsync(page, "sign-in");
        await SignInAsync(page, email, BrowserFixture.Password);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Example Shop" })).ToBeVisibleAsync();

        var other = await fixture.NewPageAsync();
        await other.GotoAsync("/sign-in");
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            await SignInAsync(other, email, "not the password " + attempt);
            await Assertions.Expect(other.Locator("#error")).ToContainTextAsync("That email and password do not match");
        }

        await SignInAsync(other, email, "not the password 5");
        await Assertions.Expect(other.Locator("#error")).ToContainTextAsync("locked after 5 failed attempts");
        await Assertions.Expect(other.GetByLabel("Email")).ToHaveValueAsync(email);
        await Screenshots.TakeAsync(other, "sign-in-locked");
        await SignInAsync(other, email, BrowserFixture.Password);
        await Assertions.Expect(other.Locator("#error")).ToContainTextAsync("locked");
    }

    [Fact]
    public async Task ASandboxKey_IsShownOnce_ItsDownloadedPemSignsCallsTheGatewayAccepts_AndRollDeleteAndUploadWork()
    {
        var (page, _, _) = await fixture.SignedInAsync();
        await page.GotoAsync("/keys");
        await Screenshots.TakeAsync(page, "keys-empty");

        await page.GetByRole(AriaRole.Button, new() { Name = "Create sandbox key" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your new sandbox key" })).ToBeVisibleAsync();
        var apiKey = (await page.Locator("#api-key").TextContentAsync())!.Trim();
        var issuedUrl = page.Url;
        await Screenshots.TakeAsync(page, "key-issued");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download .pem" }).ClickAsync());
        var pemPath = Path.Combine(Directory.CreateTempSubdirectory("cs-pem-").FullName, download.SuggestedFilename);
        await download.SaveAsAsync(pemPath);
        Assert.Equal($"{apiKey}.pem", download.SuggestedFilename);
        Assert.Equal(HttpStatusCode.OK, await PingSandboxAsync(apiKey, await File.ReadAllTextAsync(pemPath)));

        await page.ReloadAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This private key is gone" })).ToBeVisibleAsync();
        Assert.DoesNotContain("PRIVATE KEY", await page.ContentAsync(), StringComparison.Ordinal);
        await page.GotoAsync(issuedUrl);
        Assert.DoesNotContain("PRIVATE KEY", await page.ContentAsync(), StringComparison.Ordinal);

        // Create again: the active pair would be revoked, so the portal asks first.
        await page.GotoAsync("/keys");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create sandbox key" }).ClickAsync();
        await Assertions.Expect(page.GetByText("stops working at once")).ToBeVisibleAsync();
        await Screenshots.TakeAsync(page, "keys-confirm-create");
        await page.GetByRole(AriaRole.Link, new() { Name = "Cancel" }).ClickAsync();

        await page.GetByLabel("Roll: the current key keeps working for").First.SelectOptionAsync("3600");
        await page.GetByRole(AriaRole.Button, new() { Name = "Roll sandbox key" }).ClickAsync();
        var rolledKey = (await page.Locator("#api-key").TextContentAsync())!.Trim();
        await page.GotoAsync("/keys");
        var sandbox = page.Locator("#keys-sandbox");
        await Assertions.Expect(sandbox.GetByText(apiKey, new() { Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(sandbox.GetByText(rolledKey, new() { Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(sandbox.GetByText("expiring")).ToBeVisibleAsync();
        await Screenshots.TakeAsync(page, "keys");

        await sandbox.Locator($"a[href='/keys/{apiKey}/delete']").ClickAsync();
        await Screenshots.TakeAsync(page, "key-delete");
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete the key" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"{apiKey} is deleted");
        await Assertions.Expect(page.Locator("#keys-sandbox").GetByText(apiKey, new() { Exact = true })).ToHaveCountAsync(0);
        Assert.Equal(HttpStatusCode.Unauthorized, await PingSandboxAsync(apiKey, await File.ReadAllTextAsync(pemPath)));

        using var own = RSA.Create(2048);
        await page.GetByLabel("Environment").SelectOptionAsync("production");
        await page.GetByLabel("Public key (PEM)").FillAsync("not a key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload public key" }).ClickAsync();
        await Assertions.Expect(page.Locator("#error")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByLabel("Public key (PEM)")).ToHaveValueAsync("not a key");
        await page.GetByLabel("Public key (PEM)").FillAsync(own.ExportSubjectPublicKeyInfoPem());
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload public key" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your public key is registered as cs_prd_");
        await Assertions.Expect(page.Locator("#keys-production").GetByText("(your own key)")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task DataSpaces_AreCreatedUpToTheQuota_TheRefusalIsInWords_AndDeletingOneWithDataNeedsConfirmation()
    {
        var (page, _, _) = await fixture.SignedInAsync();
        await page.GotoAsync("/data-spaces");

        foreach (var (name, type) in new[] { ("storefront", "production"), ("staging", "testing"), ("qa", "testing"), ("one too many", "testing") })
        {
            await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
            await page.GetByLabel("Type").SelectOptionAsync(type);
            await page.GetByRole(AriaRole.Button, new() { Name = "Create data space" }).ClickAsync();
        }

        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("No room for another data space of this type");
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("may have 2 testing data space(s) and has 2");
        await Assertions.Expect(page.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync("one too many");
        await Screenshots.TakeAsync(page, "data-spaces-quota");

        await page.GotoAsync("/data-spaces");
        await page.GetByRole(AriaRole.Link, new() { Name = "staging" }).ClickAsync();
        var dataSpaceId = page.Url.Split('/').Last();
        await AddPaymentAsync(dataSpaceId);
        await page.ReloadAsync();
        await Screenshots.TakeAsync(page, "data-space");

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete data space" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("would lose 1 payment");
        await Screenshots.TakeAsync(page, "data-space-delete-confirm");
        await page.GetByLabel("I understand this data is lost for good").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete with its data" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("'staging' is deleted");
        await Screenshots.TakeAsync(page, "data-spaces");
    }

    [Fact]
    public async Task AnAccountTokenMadeInThePortal_WorksWithTheCliForItsAccount_AndGetsNotFoundForAnothers()
    {
        var (page, accountId, _) = await fixture.SignedInAsync();
        var (otherAccount, _, _) = await fixture.InviteAsync();
        await page.GotoAsync("/tokens");
        await page.GetByLabel("Name").FillAsync("deploy script");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        var token = (await page.Locator("#token").TextContentAsync())!.Trim();
        Assert.StartsWith("cs_tok_", token, StringComparison.Ordinal);
        await Screenshots.TakeAsync(page, "token-issued");

        var (ownExit, ownOut, _) = await CliAsync("keys", "create", "--account", accountId, "--environment", "sandbox", "--json", "--token", token);
        Assert.True(ownExit == 0, ownOut);
        var (otherExit, otherOut, _) = await CliAsync("keys", "list", "--account", otherAccount, "--json", "--token", token);
        Assert.Equal(1, otherExit);
        Assert.Contains("account_not_found", otherOut, StringComparison.Ordinal);

        await page.GotoAsync("/tokens");
        await Assertions.Expect(page.GetByText("deploy script")).ToBeVisibleAsync();
        await Screenshots.TakeAsync(page, "tokens");
        await page.GotoAsync("/activity");
        await Assertions.Expect(page.GetByText("key.created")).ToBeVisibleAsync();
        await Screenshots.TakeAsync(page, "activity");
        await page.GotoAsync("/services");
        await Screenshots.TakeAsync(page, "services");
        await page.GotoAsync("/password");
        await Screenshots.TakeAsync(page, "password");

        await page.GotoAsync("/tokens");
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke deploy script" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("revoked");
        var (revokedExit, revokedOut, _) = await CliAsync("keys", "list", "--account", accountId, "--json", "--token", token);
        Assert.Equal(1, revokedExit);
        Assert.Contains("invalid_account_token", revokedOut, StringComparison.Ordinal);
    }

    private static async Task SignInAsync(IPage page, string email, string password)
    {
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    private async Task<HttpStatusCode> PingSandboxAsync(string apiKey, string privateKeyPem)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(privateKeyPem);
        var signature = new GatewayTokenSigner(rsa).CreateToken(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
        using var client = new HttpClient { BaseAddress = fixture.Host.SandboxGatewayUrl };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/merchant-registry/v1/ping");
        request.Headers.Add(GatewayHeaders.ApiKey, apiKey);
        request.Headers.Add(GatewayHeaders.Signature, signature);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    // A payment recorded straight into the data space: what an instance's checkout would have left there.
    private async Task AddPaymentAsync(string dataSpaceId)
    {
        using var scope = fixture.Host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        db.Payments.Add(new Payment
        {
            Id = Ids.New("pay"),
            DataSpaceId = dataSpaceId,
            Reference = "order-1",
            Amount = 1999,
            Currency = "EUR",
            Status = "captured",
            CreatedAt = DateTimeOffset.UtcNow,
        });
        await db.SaveChangesAsync();
    }

    private async Task<(int Exit, string Stdout, string Stderr)> CliAsync(params string[] arguments)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CliApplication.RunAsync([.. arguments, "--platform", fixture.Host.PortalUrl.AbsoluteUri], stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
