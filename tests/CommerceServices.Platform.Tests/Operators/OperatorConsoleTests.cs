using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Operators;
using CommerceServices.Platform.Tests.Portal;
using CommerceServices.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommerceServices.Platform.Tests.Operators;

/// <summary>Operators and their console over real HTTP: invitations, sign-in with TOTP, roles, and what must be refused.</summary>
public sealed class OperatorConsoleTests : IAsyncLifetime
{
    private PlatformHost _host = null!;

    public async Task InitializeAsync() => _host = await PlatformHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task AnInvitation_AnswersWithItsLink_AndOnlyTheOperatorTokenMayMakeOne()
    {
        using var created = await _host.Management.PostAsJsonAsync("/api/v1/operators/invitations", new { email = "New.Ops@Example.test", role = "support" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("new.ops@example.test", body["email"]!.GetValue<string>());
        Assert.Equal("support", body["role"]!.GetValue<string>());
        Assert.StartsWith(_host.PortalUrl.AbsoluteUri + "operator/invitations/", body["invitationUrl"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("opi_", body["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(body["expiresAt"]!.GetValue<DateTimeOffset>() > DateTimeOffset.UtcNow);

        using var badRole = await _host.Management.PostAsJsonAsync("/api/v1/operators/invitations", new { email = "x@example.test", role = "root" });
        Assert.Equal(HttpStatusCode.BadRequest, badRole.StatusCode);
        Assert.Equal("invalid_role", (await badRole.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>());

        var (accountId, _, _) = await PortalSession.NewUserAsync(_host);
        using var tokenResponse = await _host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/tokens", new { name = "merchant" });
        var accountToken = (await tokenResponse.Content.ReadFromJsonAsync<JsonObject>())!["secret"]!.GetValue<string>();
        using var merchant = new HttpClient { BaseAddress = _host.PortalUrl };
        merchant.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accountToken);
        foreach (var (method, path) in new[] { (HttpMethod.Post, "/api/v1/operators/invitations"), (HttpMethod.Get, "/api/v1/operators"),
                     (HttpMethod.Get, "/api/v1/audit"), (HttpMethod.Get, "/api/v1/audit/export"), (HttpMethod.Get, "/api/v1/traffic") })
        {
            using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(new { email = "evil@example.test", role = "admin" }) };
            using var refused = await merchant.SendAsync(request);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{path}: {(int)refused.StatusCode}");
        }
    }

    [Fact]
    public async Task AnAdmin_EnrolsTotp_ThenSignsInWithPasswordAndCode_AndACodeWorksOnce()
    {
        var (admin, email) = await OperatorSession.NewAsync(_host, "admin");
        await admin.PageAsync("/operator/accounts");

        using var fresh = new OperatorSession(_host.PortalUrl);
        var code = Totp.Compute(admin.Secret!, DateTimeOffset.UtcNow.AddSeconds(Totp.StepSeconds));
        using var signedIn = await fresh.SignInAsync(email, code: code);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/operator/accounts", signedIn.Headers.Location!.OriginalString);
        Assert.Contains(email, await fresh.PageAsync("/operator/accounts"), StringComparison.Ordinal);

        // The same code again, in another browser: refused (RFC 6238 section 5.2).
        using var replay = new OperatorSession(_host.PortalUrl);
        using var replayed = await replay.SignInAsync(email, code: code);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Contains("invalid_totp_code", await replayed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A recovery code works once.
        using var recovered = await replay.SignInAsync(email, code: admin.RecoveryCodes[0]);
        Assert.Equal(HttpStatusCode.Redirect, recovered.StatusCode);
        using var again = new OperatorSession(_host.PortalUrl);
        using var reused = await again.SignInAsync(email, code: admin.RecoveryCodes[0]);
        Assert.Equal(HttpStatusCode.Unauthorized, reused.StatusCode);
    }

    [Fact]
    public async Task AnAdminWithoutASecondFactor_GetsOnlyTheEnrolmentPage()
    {
        var email = $"ops-{Guid.NewGuid():N}@example.test";
        using var invited = await _host.Management.PostAsJsonAsync("/api/v1/operators/invitations", new { email, role = "admin" });
        var link = new Uri((await invited.Content.ReadFromJsonAsync<JsonObject>())!["invitationUrl"]!.GetValue<string>());
        using var session = new OperatorSession(_host.PortalUrl);
        using var accepted = await session.PostAsync(link.PathAndQuery, link.PathAndQuery, new Dictionary<string, string> { ["password"] = OperatorSession.Password });
        Assert.Equal("/operator/enrol", accepted.Headers.Location!.OriginalString);

        using var accounts = await session.GetAsync("/operator/accounts");
        Assert.Equal(HttpStatusCode.Redirect, accounts.StatusCode);
        Assert.StartsWith("/operator/enrol", accounts.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        using var signIn = await new OperatorSession(_host.PortalUrl).SignInAsync(email);
        Assert.Equal("/operator/enrol", signIn.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task TheWebhooksPage_ShowsEveryAccountsFailingAndDisabledEndpoints_AndTheDeliveriesWaiting()
    {
        var (support, _) = await OperatorSession.NewAsync(_host, "support");
        var (accountId, _, _) = await PortalSession.NewUserAsync(_host);
        using var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop(); // nobody listens there: every attempt is refused

        var failing = await CreateEndpointAsync(accountId, $"http://127.0.0.1:{port}/failing");
        var off = await CreateEndpointAsync(accountId, $"http://127.0.0.1:{port}/off");
        using (var disable = await _host.Management.PutAsJsonAsync($"/api/v1/accounts/{accountId}/webhooks/{off}", new { enabled = false }))
        {
            Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        }

        using (var test = await _host.Management.PostAsync($"/api/v1/accounts/{accountId}/webhooks/{failing}/test", null))
        {
            Assert.True(test.IsSuccessStatusCode, await test.Content.ReadAsStringAsync());
        }

        var until = DateTime.UtcNow.AddSeconds(30);
        while ((await _host.Management.GetFromJsonAsync<JsonObject>($"/api/v1/accounts/{accountId}/webhooks/{failing}"))!["status"]!.GetValue<string>() != "failing")
        {
            Assert.True(DateTime.UtcNow < until, "the endpoint never counted as failing");
            await Task.Delay(100);
        }

        var page = await support.PageAsync("/operator/webhooks");
        var failingSection = page[page.IndexOf("id=\"failing-card\"", StringComparison.Ordinal)..page.IndexOf("id=\"disabled-card\"", StringComparison.Ordinal)];
        var disabledSection = page[page.IndexOf("id=\"disabled-card\"", StringComparison.Ordinal)..];
        Assert.Contains($"http://127.0.0.1:{port}/failing", failingSection, StringComparison.Ordinal);
        Assert.Contains("failed attempts in a row", failingSection, StringComparison.Ordinal);
        Assert.Contains($"/operator/accounts/{accountId}", failingSection, StringComparison.Ordinal);
        Assert.DoesNotContain("/off", failingSection, StringComparison.Ordinal);
        Assert.Contains($"http://127.0.0.1:{port}/off", disabledSection, StringComparison.Ordinal);
        Assert.Contains("disabled by its account", disabledSection, StringComparison.Ordinal);
        Assert.Contains("href=\"/operator/webhooks\"", page, StringComparison.Ordinal); // in the navigation
        Assert.Matches(@"id=""pending-count"">[1-9]", page); // the failed test event waits for its retry
    }

    private async Task<string> CreateEndpointAsync(string accountId, string url)
    {
        using var created = await _host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/webhooks",
            new { url, environment = "sandbox", events = new[] { "*" } });
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, body);
        return JsonNode.Parse(body)!["endpoint"]!["id"]!.GetValue<string>();
    }

    [Fact]
    public async Task ASupportOperator_SeesNoChangeButtons_AndEveryChangePostIsRefused()
    {
        var (support, _) = await OperatorSession.NewAsync(_host, "support");
        var (accountId, _, _) = await PortalSession.NewUserAsync(_host);
        using var key = await _host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/keys", new { environment = "sandbox" });
        var apiKey = (await key.Content.ReadFromJsonAsync<JsonObject>())!["apiKey"]!.GetValue<string>();

        var page = await support.PageAsync($"/operator/accounts/{accountId}");
        Assert.Contains(apiKey, page, StringComparison.Ordinal);
        Assert.DoesNotContain("Revoke…", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Roll the", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Withdraw…", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Create account", await support.PageAsync("/operator/accounts"), StringComparison.Ordinal);

        var token = PortalSession.TokenOf(page);
        foreach (var action in new[]
                 {
                     $"/operator/accounts/{accountId}/keys/{apiKey}/revoke", $"/operator/accounts/{accountId}/keys/roll/sandbox",
                     $"/operator/accounts/{accountId}/entitlements/payments/withdraw", "/operator/accounts",
                     $"/operator/accounts/{accountId}/invitations", "/operator/operators/invitations",
                 })
        {
            using var refused = await support.PostAsync("", action, new Dictionary<string, string> { ["email"] = "x@example.test", ["graceSeconds"] = "3600", ["role"] = "admin" }, token);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{action}: {(int)refused.StatusCode}");
            Assert.Contains("operator_read_only", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var keys = await _host.Management.GetFromJsonAsync<JsonArray>($"/api/v1/accounts/{accountId}/keys");
        Assert.Equal("active", keys![0]!["status"]!.GetValue<string>());
        var account = await _host.Management.GetFromJsonAsync<JsonObject>($"/api/v1/accounts/{accountId}");
        Assert.Contains("payments", account!["entitlements"]!.AsArray().Select(e => e!.GetValue<string>()));
    }

    [Fact]
    public async Task AMerchantSession_OrAnAccountToken_NeverOpensAConsolePage()
    {
        var (accountId, email, password) = await PortalSession.NewUserAsync(_host);
        using var merchant = new PortalSession(_host);
        await merchant.SignInAsync(email, password);
        using var tokenResponse = await _host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/tokens", new { name = "merchant" });
        var accountToken = (await tokenResponse.Content.ReadFromJsonAsync<JsonObject>())!["secret"]!.GetValue<string>();
        using var bearer = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _host.PortalUrl };
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accountToken);
        using var operatorToken = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _host.PortalUrl };
        operatorToken.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PlatformHost.OperatorToken);

        foreach (var path in new[] { "/operator", "/operator/accounts", $"/operator/accounts/{accountId}", "/operator/traffic", "/operator/audit",
                     "/operator/audit/export?format=csv", "/operator/services", "/operator/operators", "/operator/enrol" })
        {
            foreach (var (who, response) in new[] { ("merchant session", await merchant.GetAsync(path)), ("account token", await bearer.GetAsync(path)),
                         ("operator token", await operatorToken.GetAsync(path)) })
            {
                using (response)
                {
                    Assert.True(response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.AbsolutePath == "/operator/sign-in",
                        $"{who} on {path}: {(int)response.StatusCode} {response.Headers.Location}");
                }
            }
        }

        using var post = await merchant.PostFormAsync("/keys", $"/operator/accounts/{accountId}/keys/roll/sandbox", new Dictionary<string, string> { ["graceSeconds"] = "60" });
        Assert.NotEqual(HttpStatusCode.OK, post.StatusCode);
        Assert.Empty(await _host.Management.GetFromJsonAsync<JsonArray>($"/api/v1/accounts/{accountId}/keys") ?? []); // the roll did not happen
    }

    [Fact]
    public async Task AConsolePostWithoutTheFormsToken_OrWithAnotherOperatorsToken_IsRefused()
    {
        var (victim, _) = await OperatorSession.NewAsync(_host, "admin");
        var (attacker, _) = await OperatorSession.NewAsync(_host, "admin");
        var attackersToken = PortalSession.TokenOf(await attacker.PageAsync("/operator/accounts"));

        using var without = await victim.PostRawAsync("/operator/accounts", new Dictionary<string, string> { ["email"] = "forged@example.test" });
        using var withOthers = await victim.PostAsync("", "/operator/accounts", new Dictionary<string, string> { ["email"] = "forged2@example.test" }, attackersToken);

        Assert.Equal(HttpStatusCode.BadRequest, without.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, withOthers.StatusCode);
        Assert.Empty(await _host.Management.GetFromJsonAsync<JsonArray>("/api/v1/accounts?q=forged") ?? []);
    }

    [Fact]
    public async Task FiveWrongPasswordsOrCodes_LockTheOperatorOut_AndTheRightOnesThenFailToo()
    {
        var (admin, email) = await OperatorSession.NewAsync(_host, "admin");
        using var passwords = new OperatorSession(_host.PortalUrl);
        for (var i = 1; i <= 4; i++)
        {
            using var wrong = await passwords.SignInAsync(email, "not the password " + i);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var fifth = await passwords.SignInAsync(email, "not the password 5");
        Assert.Equal(HttpStatusCode.TooManyRequests, fifth.StatusCode);
        Assert.Contains("locked after 5 failed attempts", await fifth.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var right = await passwords.SignInAsync(email);
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);

        // Wrong authenticator codes count the same way (another admin, so the lockout above does not interfere).
        var (other, otherEmail) = await OperatorSession.NewAsync(_host, "admin");
        using var codes = new OperatorSession(_host.PortalUrl);
        HttpResponseMessage? last = null;
        for (var i = 0; i < 5; i++)
        {
            last?.Dispose();
            last = await codes.SignInAsync(otherEmail, code: "000000");
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, last!.StatusCode);
        last.Dispose();
        _ = admin;
        _ = other;

        await using var scope = _host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        Assert.Equal(2, await db.AuditEvents.CountAsync(e => e.Action == OperatorAuditActions.LockedOut && (e.Subject == email || e.Subject == otherEmail)));
    }

    [Fact]
    public async Task ChangesMadeInTheConsole_AreAuditedUnderTheOperatorsOwnName()
    {
        var (admin, email) = await OperatorSession.NewAsync(_host, "admin");
        using var created = await admin.PostAsync("/operator/accounts", "/operator/accounts",
            new Dictionary<string, string> { ["email"] = $"shop-{Guid.NewGuid():N}@example.test", ["name"] = "Console Shop" });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var accountId = created.Headers.Location!.OriginalString.Split('/').Last();

        using var granted = await admin.PostAsync($"/operator/accounts/{accountId}", $"/operator/accounts/{accountId}/entitlements/payments/grant");
        Assert.Equal(HttpStatusCode.Redirect, granted.StatusCode);

        var search = await _host.Management.GetFromJsonAsync<JsonObject>($"/api/v1/audit?account={accountId}");
        var actors = search!["events"]!.AsArray().Select(e => (e!["action"]!.GetValue<string>(), e["actor"]!.GetValue<string>())).ToList();
        Assert.Contains(("account.created", $"operator:{email}"), actors);
        Assert.Contains(("entitlement.granted", $"operator:{email}"), actors);
        var signIns = await _host.Management.GetFromJsonAsync<JsonObject>($"/api/v1/audit?actor={Uri.EscapeDataString("operator:" + email)}&action=operator.totp_enrolled");
        Assert.Single(signIns!["events"]!.AsArray());
    }

    [Fact]
    public async Task AnAdmin_RegistersAndRemovesAServiceInTheConsole_EveryGatewayRoutesIt_AndBothChangesAreAudited()
    {
        var (admin, email) = await OperatorSession.NewAsync(_host, "admin");
        var id = $"svc-{Guid.NewGuid():N}"[..20];
        var fields = new Dictionary<string, string>
        {
            ["id"] = id, ["name"] = "Reviews", ["pathPrefix"] = $"/{id}/v1", ["upstreams"] = "http://127.0.0.1:9\nhttp://127.0.0.1:10",
            ["dataSpace"] = "optional", ["timeoutSeconds"] = "5", ["healthPath"] = "",
        };

        using (var refused = await admin.PostAsync("/operator/services", "/operator/services",
                   new Dictionary<string, string>(fields) { ["pathPrefix"] = "/payments/v1/x" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode); // a prefix the platform keeps: the page says why
            var why = await refused.Content.ReadAsStringAsync();
            Assert.Contains("invalid_request", why, StringComparison.Ordinal);
            Assert.Contains("Register the service", why, StringComparison.Ordinal); // the form again, to correct
        }

        using (var registered = await admin.PostAsync("/operator/services", "/operator/services", fields))
        {
            Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);
        }

        var page = await admin.PageAsync("/operator/services");
        Assert.Contains($"id=\"service-{id}\"", page, StringComparison.Ordinal);
        Assert.Contains("http://127.0.0.1:9/", page, StringComparison.Ordinal);
        Assert.Contains($"/operator/services/{id}/remove", page, StringComparison.Ordinal);
        Assert.DoesNotContain("/operator/services/payments/remove", page, StringComparison.Ordinal); // built in: not removable
        var service = await _host.Management.GetFromJsonAsync<JsonObject>($"/api/v1/services/{id}");
        Assert.Equal($"/{id}/v1", service!["pathPrefix"]!.GetValue<string>());
        Assert.Equal(2, service["upstreams"]!.AsArray().Count);

        var confirm = await admin.PageAsync($"/operator/services/{id}/remove");
        Assert.Contains("404 not_found", confirm, StringComparison.Ordinal);
        using (var removed = await admin.PostAsync($"/operator/services/{id}/remove", $"/operator/services/{id}/remove"))
        {
            Assert.Equal(HttpStatusCode.Redirect, removed.StatusCode);
        }

        using (var gone = await _host.Management.GetAsync($"/api/v1/services/{id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        var audit = await _host.Management.GetFromJsonAsync<JsonObject>($"/api/v1/audit?object={id}");
        var actions = audit!["events"]!.AsArray().Select(e => (e!["action"]!.GetValue<string>(), e["actor"]!.GetValue<string>())).ToList();
        Assert.Equal([("service.removed", $"operator:{email}"), ("service.registered", $"operator:{email}")], actions);

        var (support, _) = await OperatorSession.NewAsync(_host, "support");
        Assert.DoesNotContain("Register the service", await support.PageAsync("/operator/services"), StringComparison.Ordinal);
        using var readOnly = await support.PostAsync("/operator/services", "/operator/services", fields);
        Assert.Equal(HttpStatusCode.Forbidden, readOnly.StatusCode);
    }

    [Fact]
    public async Task TheAuditSearch_PagesNewestFirstByCursor_AndTheExportStreamsEveryMatch()
    {
        var (accountId, _, _) = await PortalSession.NewUserAsync(_host);
        for (var i = 0; i < 7; i++)
        {
            (await _host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/projects", new { name = $"p{i}" })).EnsureSuccessStatusCode();
            (await _host.Management.PutAsync($"/api/v1/accounts/{accountId}/entitlements/payments", null)).EnsureSuccessStatusCode();
            (await _host.Management.DeleteAsync($"/api/v1/accounts/{accountId}/entitlements/payments")).EnsureSuccessStatusCode();
        }

        var seen = new List<string>();
        string? after = null;
        do
        {
            var page = await _host.Management.GetFromJsonAsync<JsonObject>(
                $"/api/v1/audit?account={accountId}&limit=4{(after is null ? "" : "&after=" + Uri.EscapeDataString(after))}");
            seen.AddRange(page!["events"]!.AsArray().Select(e => e!["id"]!.GetValue<string>()));
            after = page["next"]?.GetValue<string>();
        }
        while (after is not null);

        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(seen.OrderDescending(StringComparer.Ordinal), seen); // sequential ids: newest first
        Assert.True(seen.Count >= 16, $"{seen.Count} events");

        var csv = await _host.Management.GetStringAsync($"/api/v1/audit/export?format=csv&account={accountId}");
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,at,accountId,action,actor,subject,apiKey,detail", lines[0].TrimEnd('\r'));
        Assert.Equal(seen, lines.Skip(1).Select(l => l.Split(',')[0]).ToList());
        var jsonl = await _host.Management.GetStringAsync($"/api/v1/audit/export?format=jsonl&account={accountId}&action=entitlement.withdrawn");
        Assert.Empty(jsonl);
        jsonl = await _host.Management.GetStringAsync($"/api/v1/audit/export?format=jsonl&account={accountId}&action=entitlement.revoked");
        Assert.Equal(7, jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!["subject"]!.GetValue<string>()).Count(s => s == "payments"));

        using var badCursor = await _host.Management.GetAsync("/api/v1/audit?after=nonsense");
        Assert.Equal(HttpStatusCode.BadRequest, badCursor.StatusCode);
        using var badFormat = await _host.Management.GetAsync("/api/v1/audit/export?format=xml");
        Assert.Equal(HttpStatusCode.BadRequest, badFormat.StatusCode);
    }

    [Fact]
    public async Task AccountSearch_FindsAnAccountByTheStartOfItsKey_Email_Name_Id_AndDataSpace()
    {
        var email = $"searchable-{Guid.NewGuid():N}@example.test";
        using var created = await _host.Management.PostAsJsonAsync("/api/v1/accounts", new { email, name = "Zebra Crossing Shoes" });
        var accountId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        using var key = await _host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/keys", new { environment = "sandbox" });
        var apiKey = (await key.Content.ReadFromJsonAsync<JsonObject>())!["apiKey"]!.GetValue<string>();
        var project = (await _host.Management.GetFromJsonAsync<JsonArray>($"/api/v1/accounts/{accountId}/projects"))![0]!["id"]!.GetValue<string>();
        (await _host.Management.PutAsync($"/api/v1/accounts/{accountId}/entitlements/payments", null)).EnsureSuccessStatusCode();
        using var space = await _host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/data-spaces", new { projectId = project, name = "live", type = "production" });
        var dataSpaceId = (await space.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();

        foreach (var q in new[] { apiKey[..12], email[..20].ToUpperInvariant(), "zebra cross", accountId, dataSpaceId[..8] })
        {
            var found = await _host.Management.GetFromJsonAsync<JsonArray>($"/api/v1/accounts?q={Uri.EscapeDataString(q)}&limit=200");
            Assert.True(found!.Any(a => a!["id"]!.GetValue<string>() == accountId), $"'{q}' did not find the account");
        }

        var (admin, _) = await OperatorSession.NewAsync(_host, "support");
        var page = await admin.PageAsync($"/operator/accounts?q={Uri.EscapeDataString(apiKey[..14])}");
        Assert.Contains($"/operator/accounts/{accountId}", page, StringComparison.Ordinal);
        Assert.Contains($"API key {apiKey}", page, StringComparison.Ordinal);
    }
}
