using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommerceServices.Platform.Data;
using CommerceServices.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommerceServices.Platform.Tests.Portal;

/// <summary>The portal attacked through real HTTP: forged posts, other accounts' ids, cookie flags, secrets that must not linger.</summary>
public sealed class PortalAttackTests : IAsyncLifetime
{
    private PlatformHost _host = null!;

    public async Task InitializeAsync() => _host = await PlatformHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task AFormPostWithoutAnAntiforgeryToken_OrWithAnotherSessionsToken_IsRefused()
    {
        var (_, email, password) = await PortalSession.NewUserAsync(_host);
        var other = await PortalSession.NewUserAsync(_host);
        using var victim = new PortalSession(_host);
        await victim.SignInAsync(email, password);
        using var attacker = new PortalSession(_host);
        await attacker.SignInAsync(other.Email, other.Password);
        var attackersToken = await attacker.AntiforgeryTokenAsync("/tokens");

        using var without = await victim.PostRawAsync("/tokens?handler=Create", new Dictionary<string, string> { ["name"] = "forged" });
        using var withOthers = await victim.PostFormAsync("/tokens", "/tokens?handler=Create",
            new Dictionary<string, string> { ["name"] = "forged" }, antiforgery: attackersToken);

        Assert.Equal(HttpStatusCode.BadRequest, without.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, withOthers.StatusCode);
        Assert.DoesNotContain("forged", await victim.PageAsync("/tokens"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherAccountsKeyDataSpaceAndProjectIds_InUrlsAndForms_Answer404()
    {
        var victim = await PortalSession.NewUserAsync(_host);
        var victimKey = await ApiAsync($"/api/v1/accounts/{victim.AccountId}/keys", new { environment = "sandbox" });
        var victimProject = (await _host.Management.GetFromJsonAsync<JsonArray>($"/api/v1/accounts/{victim.AccountId}/projects"))![0]!["id"]!.GetValue<string>();
        var victimSpace = await ApiAsync($"/api/v1/accounts/{victim.AccountId}/data-spaces",
            new { projectId = victimProject, name = "victim", type = "testing" });
        var victimToken = await ApiAsync($"/api/v1/accounts/{victim.AccountId}/tokens", new { name = "victim" });

        var (_, email, password) = await PortalSession.NewUserAsync(_host);
        using var attacker = new PortalSession(_host);
        await attacker.SignInAsync(email, password);
        var apiKey = victimKey["apiKey"]!.GetValue<string>();
        var spaceId = victimSpace["id"]!.GetValue<string>();

        foreach (var path in new[] { $"/keys/{apiKey}/delete", $"/data-spaces/{spaceId}" })
        {
            using var response = await attacker.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        var token = await attacker.AntiforgeryTokenAsync("/keys");
        var posts = new (string Action, Dictionary<string, string> Fields)[]
        {
            ($"/keys/{apiKey}/delete", []),
            ($"/data-spaces/{spaceId}?handler=Delete", new() { ["confirm"] = "true" }),
            ($"/data-spaces/{spaceId}?handler=Rename", new() { ["name"] = "mine now" }),
            ($"/data-spaces/{spaceId}?handler=Release", []),
            ("/tokens?handler=Revoke", new() { ["tokenId"] = victimToken["token"]!["id"]!.GetValue<string>() }),
            ("/data-spaces?handler=Create", new() { ["projectId"] = victimProject, ["name"] = "planted", ["type"] = "testing" }),
        };
        foreach (var (action, fields) in posts)
        {
            using var response = await attacker.PostFormAsync("/keys", action, fields, token);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{action}: {(int)response.StatusCode}");
        }

        // Copying from the victim's data space into the attacker's own names the victim's id in a form field.
        var own = await attacker.PageAsync("/data-spaces");
        Assert.DoesNotContain(spaceId, own, StringComparison.Ordinal);

        var keys = await _host.Management.GetFromJsonAsync<JsonArray>($"/api/v1/accounts/{victim.AccountId}/keys");
        Assert.Equal("active", keys![0]!["status"]!.GetValue<string>());
        var space = await _host.Management.GetFromJsonAsync<JsonObject>($"/api/v1/accounts/{victim.AccountId}/data-spaces/{spaceId}");
        Assert.Equal("victim", space!["name"]!.GetValue<string>());
        var tokens = await _host.Management.GetFromJsonAsync<JsonArray>($"/api/v1/accounts/{victim.AccountId}/tokens");
        Assert.Null(tokens![0]!["revokedAt"]);
        var spaces = await _host.Management.GetFromJsonAsync<JsonArray>($"/api/v1/accounts/{victim.AccountId}/data-spaces");
        Assert.Single(spaces!);
    }

    [Fact]
    public async Task TheSessionCookie_IsHttpOnlyAndSameSite_AndSecureOnlyOverHttps()
    {
        var (_, email, password) = await PortalSession.NewUserAsync(_host);
        using var session = new PortalSession(_host);
        using var response = await session.PostFormAsync("/sign-in", "/sign-in",
            new Dictionary<string, string> { ["email"] = email, ["password"] = password });

        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("cs_portal=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        // Plain HTTP on loopback here: SameAsRequest marks it Secure whenever the request is HTTPS.
        Assert.DoesNotContain("secure", cookie.Replace("samesite", "", StringComparison.OrdinalIgnoreCase), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ThePrivateKeyPage_IsNeverCached_ShowsTheKeyOnce_AndTheKeyIsNowhereAfterwards()
    {
        var (accountId, email, password) = await PortalSession.NewUserAsync(_host);
        using var session = new PortalSession(_host);
        await session.SignInAsync(email, password);

        using var created = await session.PostFormAsync("/keys", "/keys?handler=Create", new Dictionary<string, string> { ["environment"] = "sandbox" });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var location = created.Headers.Location!.OriginalString;
        Assert.DoesNotContain("PRIVATE", location, StringComparison.Ordinal);
        Assert.DoesNotContain(created.Headers.TryGetValues("Set-Cookie", out var set) ? set : [], c => c.Length > 600);

        using var shown = await session.GetAsync(location);
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        Assert.True(shown.Headers.CacheControl!.NoStore);
        var html = await shown.Content.ReadAsStringAsync();
        var begin = html.IndexOf(CommerceServices.Protocol.Keys.RsaPem.Pkcs8PrivateKeyBegin, StringComparison.Ordinal);
        Assert.True(begin > 0, html);
        // The middle of the key's base64: unmistakably the private key, whatever the line breaks around it.
        var body = html.Substring(begin + 200, 40);

        using var again = await session.GetAsync(location);
        Assert.Equal(HttpStatusCode.Gone, again.StatusCode);
        Assert.DoesNotContain(body, await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        foreach (var page in new[] { "/", "/keys", "/activity", "/services", "/data-spaces", "/tokens" })
        {
            Assert.DoesNotContain(body, await session.PageAsync(page), StringComparison.Ordinal);
        }

        Assert.DoesNotContain(body, _host.Logs.All, StringComparison.Ordinal);
        using var scope = _host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var bytes = await File.ReadAllBytesAsync(file);
        Assert.DoesNotContain(body, System.Text.Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        Assert.DoesNotContain(await db.KeyPairs.Where(k => k.AccountId == accountId).Select(k => k.PublicKeyPem).ToListAsync(),
            pem => pem.Contains("PRIVATE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FiveWrongPasswords_LockTheUserFor15Minutes_AndAnUnknownEmailLooksTheSame()
    {
        var (_, email, password) = await PortalSession.NewUserAsync(_host);
        using var session = new PortalSession(_host);

        async Task<(HttpStatusCode, string)> TryAsync(string who, string secret)
        {
            using var response = await session.PostFormAsync("/sign-in", "/sign-in", new Dictionary<string, string> { ["email"] = who, ["password"] = secret });
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        for (var i = 1; i <= 4; i++)
        {
            var (status, page) = await TryAsync(email, "wrong password " + i);
            var (unknownStatus, unknownPage) = await TryAsync("nobody-" + email, "wrong password " + i);
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal(unknownStatus, status);
            Assert.Contains("That email and password do not match", page, StringComparison.Ordinal);
            Assert.Contains("That email and password do not match", unknownPage, StringComparison.Ordinal);
        }

        var (fifth, locked) = await TryAsync(email, "wrong password 5");
        var (unknownFifth, unknownLocked) = await TryAsync("nobody-" + email, "wrong password 5");
        Assert.Equal(HttpStatusCode.TooManyRequests, fifth);
        Assert.Equal(fifth, unknownFifth);
        Assert.Contains("locked after 5 failed attempts", locked, StringComparison.Ordinal);
        Assert.Contains("locked after 5 failed attempts", unknownLocked, StringComparison.Ordinal);

        var (right, _) = await TryAsync(email, password);
        Assert.Equal(HttpStatusCode.TooManyRequests, right);
        Assert.Contains(email, locked, StringComparison.Ordinal); // the form keeps what was typed
    }

    [Fact]
    public async Task SigningOut_OrChangingThePassword_EndsEveryOtherSessionOfTheUser()
    {
        var (_, email, password) = await PortalSession.NewUserAsync(_host);
        using var first = new PortalSession(_host);
        using var second = new PortalSession(_host);
        await first.SignInAsync(email, password);
        await second.SignInAsync(email, password);

        const string newPassword = "another long passphrase";
        using var changed = await first.PostFormAsync("/password", "/password",
            new Dictionary<string, string> { ["current"] = password, ["password"] = newPassword });
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await second.GetAsync("/keys")).StatusCode);

        using var third = new PortalSession(_host);
        await third.SignInAsync(email, newPassword);
        using var signedOut = await first.PostFormAsync("/", "/sign-out", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await third.GetAsync("/keys")).StatusCode);
    }

    [Fact]
    public async Task APasswordShorterThan12Characters_IsRefused_AndAnInvitationLinkWorksOnce()
    {
        var accountId = (await ApiAsync("/api/v1/accounts", new { email = $"{Guid.NewGuid():N}@example.test" }))["id"]!.GetValue<string>();
        var invitation = await ApiAsync($"/api/v1/accounts/{accountId}/invitations", new { email = $"{Guid.NewGuid():N}@example.test" });
        var link = new Uri(invitation["url"]!.GetValue<string>()).PathAndQuery;
        using var session = new PortalSession(_host);

        using var weak = await session.PostFormAsync(link, link, new Dictionary<string, string> { ["password"] = "short pass" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        Assert.Contains("at least 12 characters", await weak.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var accepted = await session.PostFormAsync(link, link, new Dictionary<string, string> { ["password"] = "a long enough passphrase" });
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
        using var again = await new PortalSession(_host).GetAsync(link);
        Assert.Equal(HttpStatusCode.Gone, again.StatusCode);
    }

    [Fact]
    public async Task SignUp_IsOffByDefault()
    {
        using var session = new PortalSession(_host);
        using var response = await session.GetAsync("/sign-up");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task ThePortalPages_AnswerOnlyOnThePortalListener()
    {
        using var gateway = new HttpClient { BaseAddress = _host.SandboxGatewayUrl };
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.GetAsync("/sign-in")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.GetAsync("/portal.css")).StatusCode);
    }

    private async Task<JsonObject> ApiAsync(string path, object body)
    {
        using var response = await _host.Management.PostAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }
}
