using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CommerceServices.Platform.Operators;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Tokens;
using CommerceServices.Testing;
using Microsoft.Playwright;

namespace CommerceServices.Portal.BrowserTests;

/// <summary>
/// A platform whose traffic counts are written every 200 ms, so a chart shows calls a test has just made; the browser is
/// shared with the classes running at the same time (<see cref="SharedChromium"/>).
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    private SharedChromium.Lease? _lease;

    public PlatformHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await PlatformHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Traffic:FlushInterval"] = "00:00:00.2",
            ["FailureThrottle:Burst"] = "1000",
        });
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

    public async Task<IPage> NewPageAsync()
    {
        var context = await _lease!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Host.PortalUrl.AbsoluteUri, ViewportSize = new ViewportSize { Width = 1280, Height = 900 }, AcceptDownloads = true,
        });
        context.SetDefaultTimeout(30_000);
        Assertions.SetDefaultExpectTimeout(15_000);
        return await context.NewPageAsync();
    }

    /// <summary>An operator invitation link made with the operator token, as the CLI's <c>operators invite</c> makes one.</summary>
    public async Task<(string Email, string Link)> InviteOperatorAsync(string role)
    {
        var email = $"ops-{Guid.NewGuid():N}@example.test";
        using var invited = await Host.Management.PostAsJsonAsync("/api/v1/operators/invitations", new { email, role });
        invited.EnsureSuccessStatusCode();
        return (email, (await invited.Content.ReadFromJsonAsync<JsonObject>())!["invitationUrl"]!.GetValue<string>());
    }

    /// <summary>An account entitled to Payment Services with a platform-made sandbox key pair.</summary>
    public async Task<(string AccountId, string ApiKey, string PrivateKeyPem)> AccountWithKeyAsync()
    {
        using var created = await Host.Management.PostAsJsonAsync("/api/v1/accounts", new { email = $"shop-{Guid.NewGuid():N}@example.test", name = "Harbour Coffee Roasters" });
        var accountId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        (await Host.Management.PutAsync($"/api/v1/accounts/{accountId}/entitlements/payments", null)).EnsureSuccessStatusCode();
        using var key = await Host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/keys", new { environment = "sandbox" });
        var body = (await key.Content.ReadFromJsonAsync<JsonObject>())!;
        return (accountId, body["apiKey"]!.GetValue<string>(), body["privateKey"]!.GetValue<string>());
    }

    public async Task<HttpStatusCode> PingAsync(string apiKey, string privateKeyPem)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(privateKeyPem);
        using var client = new HttpClient { BaseAddress = Host.SandboxGatewayUrl };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/merchant-registry/v1/ping");
        request.Headers.Add(GatewayHeaders.ApiKey, apiKey);
        request.Headers.Add(GatewayHeaders.Signature, new GatewayTokenSigner(rsa).CreateToken(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1)));
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}

/// <summary>The operator console in real headless Chromium: everything the issue's "Must show" lists.</summary>
public sealed class OperatorConsoleBrowserTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    [Fact]
    public async Task AnInvitedAdmin_SetsAPassword_EnrolsAnAuthenticator_AndSignsInWithACode()
    {
        var (email, link) = await fixture.InviteOperatorAsync("admin");
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(link);
        await Assertions.Expect(page.GetByText("with the role admin")).ToBeVisibleAsync();
        await Screenshots.TakeAsync(page, "operator-invitation");
        await page.GetByLabel("New password").FillAsync(BrowserFixture.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Set up your authenticator" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("svg.qr path")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Accounts" })).ToHaveCountAsync(0); // nothing else until enrolled
        await Screenshots.TakeAsync(page, "operator-enrol");
        var secret = (await page.Locator("#secret").TextContentAsync())!.Replace(" ", "", StringComparison.Ordinal);
        await page.GetByLabel("First code").FillAsync(Totp.Compute(secret, DateTimeOffset.UtcNow));
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();

        await Assertions.Expect(page.Locator("#recovery-codes li")).ToHaveCountAsync(OperatorService.RecoveryCodeCount);
        await Screenshots.TakeAsync(page, "operator-recovery-codes");
        await page.GetByRole(AriaRole.Link, new() { Name = "I have saved them" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Accounts" })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/operator/sign-in$"));
        await Screenshots.TakeAsync(page, "operator-sign-in");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(BrowserFixture.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your authenticator code" })).ToBeVisibleAsync();
        await Screenshots.TakeAsync(page, "operator-code");
        await page.GetByLabel("Code").FillAsync("123456");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("invalid_totp_code");
        // The enrolment used this time step's code; the next step's is accepted (one step of drift either way).
        await page.GetByLabel("Code").FillAsync(Totp.Compute(secret, DateTimeOffset.UtcNow.AddSeconds(Totp.StepSeconds)));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Accounts" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("header")).ToContainTextAsync(email);
    }

    [Fact]
    public async Task SearchByKeyPrefix_FindsTheAccount_AndAKeyRevokedInTheConsole_IsRefusedByTheGateway()
    {
        var (accountId, apiKey, pem) = await fixture.AccountWithKeyAsync();
        Assert.Equal(HttpStatusCode.OK, await fixture.PingAsync(apiKey, pem));
        var page = await AdminAsync();

        await page.GetByLabel("Find an account").FillAsync(apiKey[..14]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(page.Locator("#accounts")).ToContainTextAsync($"API key {apiKey}");
        await Screenshots.TakeAsync(page, "operator-accounts");
        await page.Locator($"#accounts a[href='/operator/accounts/{accountId}']").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Harbour Coffee Roasters" })).ToBeVisibleAsync();
        // The caller of the last use: written by the gateway's last-use recorder a moment after the call, so the page may
        // have been drawn before it; an operator would reload.
        for (var reloads = 0; !(await page.Locator("#keys-sandbox").InnerTextAsync()).Contains("127.0.0.1", StringComparison.Ordinal) && reloads < 40; reloads++)
        {
            await Task.Delay(250);
            await page.ReloadAsync();
        }

        await Assertions.Expect(page.Locator("#keys-sandbox")).ToContainTextAsync("127.0.0.1");
        await Screenshots.TakeAsync(page, "operator-account");

        await page.Locator($"a[href='/operator/accounts/{accountId}/keys/{apiKey}/revoke']").ClickAsync();
        await Assertions.Expect(page.Locator("#consequences")).ToContainTextAsync($"{apiKey} stops working at once");
        await Screenshots.TakeAsync(page, "operator-revoke-confirm");
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke the key" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"{apiKey} is revoked");
        await Assertions.Expect(page.Locator("#keys-sandbox")).ToContainTextAsync("revoked");
        Assert.Equal(HttpStatusCode.Unauthorized, await fixture.PingAsync(apiKey, pem));

        await page.GotoAsync($"/operator/accounts/{accountId}/keys/roll/sandbox");
        await Screenshots.TakeAsync(page, "operator-roll-confirm");
    }

    [Fact]
    public async Task TheTrafficChart_ShowsTheRefusalsThisTestCaused()
    {
        var (accountId, apiKey, _) = await fixture.AccountWithKeyAsync();
        using var wrong = RSA.Create(2048);
        for (var i = 0; i < 12; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await fixture.PingAsync(apiKey, wrong.ExportPkcs8PrivateKeyPem()));
        }

        var page = await AdminAsync();
        await page.GotoAsync("/operator/traffic?hours=1");
        await Assertions.Expect(page.Locator("#traffic-chart rect[data-outcome='invalid_signature']").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#last-hour-chart rect[data-outcome='invalid_signature']").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#top-keys-table")).ToContainTextAsync(apiKey);
        await Assertions.Expect(page.Locator("#top-accounts-table")).ToContainTextAsync(accountId);
        var total = await page.Locator("#traffic-totals tr", new() { HasText = "invalid_signature" }).Locator("td.number").TextContentAsync();
        Assert.True(long.Parse(total!.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture) >= 12, total);
        await page.GotoAsync("/operator/traffic");
        await Screenshots.TakeAsync(page, "operator-traffic");

        await page.GotoAsync($"/operator/accounts/{accountId}");
        await Assertions.Expect(page.Locator("#account-refusals")).ToContainTextAsync("invalid_signature");
    }

    [Fact]
    public async Task TheAuditSearch_FindsTheConsolesOwnChanges_AndExportsThemAsCsvAndJsonLines()
    {
        var (accountId, _, _) = await fixture.AccountWithKeyAsync();
        var (page, email) = await AdminWithEmailAsync();
        await page.GotoAsync($"/operator/accounts/{accountId}/entitlements/payments/withdraw");
        await Assertions.Expect(page.Locator("#consequences")).ToContainTextAsync("not_entitled");
        await page.GetByRole(AriaRole.Button, new() { Name = "Withdraw Payment Services" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("withdrawn");

        await page.GotoAsync("/operator/audit");
        await page.GetByLabel("Actor").FillAsync($"operator:{email}");
        await page.GetByLabel("Action").FillAsync("entitlement.revoked");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(page.Locator("table.audit tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("table.audit")).ToContainTextAsync(accountId);
        await Screenshots.TakeAsync(page, "operator-audit");

        var csv = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Export CSV" }).ClickAsync());
        var lines = (await File.ReadAllLinesAsync((await csv.PathAsync())!)).ToList();
        Assert.Equal("id,at,accountId,action,actor,subject,apiKey,detail", lines[0]);
        Assert.Single(lines.Skip(1));
        Assert.Contains($"{accountId},entitlement.revoked,operator:{email},payments", lines[1], StringComparison.Ordinal);
        var jsonl = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Export JSON Lines" }).ClickAsync());
        var record = JsonNode.Parse((await File.ReadAllLinesAsync((await jsonl.PathAsync())!)).Single())!;
        Assert.Equal(accountId, record["accountId"]!.GetValue<string>());

        // The export itself is audited.
        await page.GotoAsync($"/operator/audit?actor={Uri.EscapeDataString("operator:" + email)}&action=audit.exported");
        await Assertions.Expect(page.Locator("table.audit tbody tr")).ToHaveCountAsync(2);
    }

    [Fact]
    public async Task ASupportOperator_SeesNoButtonToChangeAnything_AndItsPostsAreRefused()
    {
        var (accountId, apiKey, pem) = await fixture.AccountWithKeyAsync();
        var (email, link) = await fixture.InviteOperatorAsync("support");
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(link);
        await page.GetByLabel("New password").FillAsync(BrowserFixture.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Welcome to the operator console");
        await Assertions.Expect(page.Locator("header .role")).ToHaveTextAsync("support");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Create account" })).ToHaveCountAsync(0);

        await page.GotoAsync($"/operator/accounts/{accountId}");
        await Assertions.Expect(page.Locator("#keys-sandbox")).ToContainTextAsync(apiKey);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Revoke…" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Withdraw…" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Invite" })).ToHaveCountAsync(0);

        // The post a hidden button would have made, sent anyway with this session's cookies and form token: refused.
        var token = await page.Locator("input[name='__csrf']").First.GetAttributeAsync("value");
        var refused = await page.Context.APIRequest.PostAsync($"/operator/accounts/{accountId}/keys/{apiKey}/revoke",
            new() { Form = FormOf(page, token!) });
        Assert.Equal(403, refused.Status);
        Assert.Contains("operator_read_only", await refused.TextAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await fixture.PingAsync(apiKey, pem));

        await page.GotoAsync("/operator/services");
        await Assertions.Expect(page.Locator("#service-payments-card")).ToContainTextAsync("Entitled accounts");
        await Screenshots.TakeAsync(page, "operator-services");

        // An endpoint its account turned off: listed for the operators with why, and what waits for it.
        using (var created = await fixture.Host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/webhooks",
                   new { url = "http://127.0.0.1:5090/commerce-services/webhooks", environment = "sandbox", events = new[] { "payment.*" } }))
        {
            var endpoint = (await created.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["endpoint"]!["id"]!.GetValue<string>();
            using var off = await fixture.Host.Management.PutAsJsonAsync($"/api/v1/accounts/{accountId}/webhooks/{endpoint}", new { enabled = false });
            Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        }

        await page.GotoAsync("/operator/webhooks");
        await Assertions.Expect(page.Locator("#disabled-endpoints")).ToContainTextAsync("http://127.0.0.1:5090/commerce-services/webhooks");
        await Screenshots.TakeAsync(page, "operator-webhooks");
        await page.GotoAsync("/operator/operators");
        await Assertions.Expect(page.Locator("#operators")).ToContainTextAsync($"{email} (you)");
        await Screenshots.TakeAsync(page, "operator-operators");
    }

    private static IFormData FormOf(IPage page, string token)
    {
        var form = page.Context.APIRequest.CreateFormData();
        form.Set("__csrf", token);
        return form;
    }

    private async Task<IPage> AdminAsync() => (await AdminWithEmailAsync()).Page;

    /// <summary>A signed-in admin: invited, password set, authenticator enrolled, on the Accounts page.</summary>
    private async Task<(IPage Page, string Email)> AdminWithEmailAsync()
    {
        var (email, link) = await fixture.InviteOperatorAsync("admin");
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(link);
        await page.GetByLabel("New password").FillAsync(BrowserFixture.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        var secret = (await page.Locator("#secret").TextContentAsync())!.Replace(" ", "", StringComparison.Ordinal);
        await page.GetByLabel("First code").FillAsync(Totp.Compute(secret, DateTimeOffset.UtcNow));
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "I have saved them" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Accounts" })).ToBeVisibleAsync();
        return (page, email);
    }
}
