using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using CommerceServices.Platform.Data;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;
using CommerceServices.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommerceServices.Platform.Tests.Accounts;

/// <summary>Accounts, entitlements, key pairs and audit through real HTTP, on SQLite and on PostgreSQL.</summary>
public abstract class ManagementApiTests(PlatformFixture fixture)
{
    private PlatformHost Platform => fixture.Host;

    private HttpClient Api => fixture.Host.Management;

    public sealed class OnSqlite(SqlitePlatform fixture) : ManagementApiTests(fixture), IClassFixture<SqlitePlatform>;

    public sealed class OnPostgreSql(PostgresPlatform fixture) : ManagementApiTests(fixture), IClassFixture<PostgresPlatform>;

    [Fact]
    public async Task CreatedAccount_HasAStableIdAndIsListed()
    {
        var email = $"Shop-{Guid.NewGuid():N}@Example.com";

        var created = await Api.PostJsonAsync("/api/v1/accounts", new { email, name = "The Shop" });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var account = await created.ReadNodeAsync();
        var id = account["id"]!.GetValue<string>();
        Assert.StartsWith("acc_", id);
        Assert.Equal(email.ToLowerInvariant(), account["email"]!.GetValue<string>());
        var fetched = await (await Api.GetAsync($"/api/v1/accounts/{id}")).ReadNodeAsync();
        Assert.Equal("The Shop", fetched["name"]!.GetValue<string>());
        var listed = (await (await Api.GetAsync("/api/v1/accounts")).ReadNodeAsync()).AsArray();
        Assert.Contains(listed, a => a!["id"]!.GetValue<string>() == id);
    }

    [Fact]
    public async Task SecondAccountWithTheSameEmailInAnyCase_IsRefusedWithAccountExists()
    {
        var email = $"dup-{Guid.NewGuid():N}@example.com";
        await Api.PostJsonAsync("/api/v1/accounts", new { email });

        var second = await Api.PostJsonAsync("/api/v1/accounts", new { email = email.ToUpperInvariant() });

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal(ProblemCodes.AccountExists, await second.ProblemCodeAsync());
    }

    [Fact]
    public async Task Entitlement_IsGrantedOnceAndRevoked()
    {
        var id = await CreateAccountAsync();

        await Api.PutAsync($"/api/v1/accounts/{id}/entitlements/payments", null);
        var granted = await (await Api.PutAsync($"/api/v1/accounts/{id}/entitlements/payments", null)).ReadNodeAsync();
        var revoked = await (await Api.DeleteAsync($"/api/v1/accounts/{id}/entitlements/payments")).ReadNodeAsync();

        Assert.Equal(["payments"], granted["entitlements"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Empty(revoked["entitlements"]!.AsArray());
        var audit = await AuditActionsAsync(id);
        Assert.Equal(1, audit.Count(a => a == "entitlement.granted"));
        Assert.Equal(1, audit.Count(a => a == "entitlement.revoked"));
    }

    [Fact]
    public async Task CreatedPair_HandsOutThePrivateKeyOnceAndStoresOnlyThePublicKey()
    {
        var id = await CreateAccountAsync();

        var created = await Api.PostJsonAsync($"/api/v1/accounts/{id}/keys", new { environment = "production" });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.ReadNodeAsync();
        var apiKey = body["apiKey"]!.GetValue<string>();
        Assert.Equal(GatewayEnvironment.Production, ApiKeyFormat.Check(apiKey).Environment);
        var privatePem = body["privateKey"]!.GetValue<string>();
        Assert.StartsWith(RsaPem.Pkcs8PrivateKeyBegin, privatePem);
        using var privateKey = RsaPem.ReadPrivateKey(privatePem).Key!;
        Assert.Equal(2048, privateKey.KeySize);

        var listText = await Api.GetStringAsync($"/api/v1/accounts/{id}/keys");
        Assert.DoesNotContain("PRIVATE", listText);
        Assert.DoesNotContain("privateKey", listText);
        await using var scope = Platform.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().KeyPairs.SingleAsync(k => k.ApiKey == apiKey);
        Assert.Equal(privateKey.ExportSubjectPublicKeyInfoPem(), stored.PublicKeyPem);
    }

    [Fact]
    public async Task UploadedPublicKey_IsRegisteredAndNoPrivateKeyIsReturned()
    {
        var id = await CreateAccountAsync();
        using var rsa = RSA.Create(2048);

        var created = await Api.PostJsonAsync($"/api/v1/accounts/{id}/keys",
            new { environment = "sandbox", publicKey = rsa.ExportSubjectPublicKeyInfoPem() });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.ReadNodeAsync();
        Assert.Null(body["privateKey"]);
        Assert.Equal("uploaded", body["origin"]!.GetValue<string>());
        Assert.Contains("key.uploaded", await AuditActionsAsync(id));
    }

    [Fact]
    public async Task NewPair_RetiresTheActivePairOfItsEnvironmentAtOnce_AndLeavesTheOtherEnvironmentAlone()
    {
        var id = await CreateAccountAsync();
        var production = await CreateKeyAsync(id, "production");
        var firstSandbox = await CreateKeyAsync(id, "sandbox");

        var secondSandbox = await CreateKeyAsync(id, "sandbox");

        var keys = await KeysAsync(id);
        Assert.Equal("revoked", keys[firstSandbox]);
        Assert.Equal("active", keys[secondSandbox]);
        Assert.Equal("active", keys[production]);
    }

    [Fact]
    public async Task RolledPair_IsExpiringDuringTheGraceAndRevokedAfterIt()
    {
        var id = await CreateAccountAsync();
        var old = await CreateKeyAsync(id, "sandbox");

        var rolled = await Api.PostJsonAsync($"/api/v1/accounts/{id}/keys/roll", new { environment = "sandbox", graceSeconds = 2 });

        Assert.Equal(HttpStatusCode.Created, rolled.StatusCode);
        var body = await rolled.ReadNodeAsync();
        var replacement = body["apiKey"]!.GetValue<string>();
        Assert.Equal(old, body["previous"]!["apiKey"]!.GetValue<string>());
        Assert.Equal("expiring", body["previous"]!["status"]!.GetValue<string>());
        var expiresAt = body["previous"]!["expiresAt"]!.GetValue<DateTimeOffset>();
        Assert.InRange(expiresAt - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(2.5));
        Assert.Equal("expiring", (await KeysAsync(id))[old]);

        await Task.Delay(expiresAt - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(300));

        var after = await KeysAsync(id);
        Assert.Equal("revoked", after[old]);
        Assert.Equal("active", after[replacement]);
        Assert.Contains("key.rolled", await AuditActionsAsync(id));
    }

    [Fact]
    public async Task ConcurrentCreates_LeaveExactlyOneActivePairPerEnvironment()
    {
        var id = await CreateAccountAsync();
        // Uploads: twelve platform-made pairs at once for one account are over its generation limit, and the
        // race on the active slot is the same whoever made the key.
        var publicKeys = Enumerable.Range(0, 12).Select(_ =>
        {
            using var rsa = RSA.Create(2048);
            return rsa.ExportSubjectPublicKeyInfoPem();
        }).ToList();

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Api.PostJsonAsync($"/api/v1/accounts/{id}/keys",
            new { environment = i % 3 == 0 ? "production" : "sandbox", publicKey = publicKeys[i] })));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var keys = await KeysAsync(id);
        Assert.Equal(12, keys.Count);
        var list = (await (await Api.GetAsync($"/api/v1/accounts/{id}/keys")).ReadNodeAsync()).AsArray();
        Assert.Equal(1, list.Count(k => k!["environment"]!.GetValue<string>() == "sandbox" && k["status"]!.GetValue<string>() == "active"));
        Assert.Equal(1, list.Count(k => k!["environment"]!.GetValue<string>() == "production" && k["status"]!.GetValue<string>() == "active"));
    }

    [Fact]
    public async Task DeletedPair_IsRevoked_AndDeletingAgainIsHarmless()
    {
        var id = await CreateAccountAsync();
        var key = await CreateKeyAsync(id, "sandbox");

        var first = await Api.DeleteAsync($"/api/v1/accounts/{id}/keys/{key}");
        var second = await Api.DeleteAsync($"/api/v1/accounts/{id}/keys/{key}");

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, second.StatusCode);
        Assert.Equal("revoked", (await KeysAsync(id))[key]);
        Assert.Equal(1, (await AuditActionsAsync(id)).Count(a => a == "key.revoked"));
    }

    [Fact]
    public async Task KeyOfAnotherAccount_AnswersExactlyAsAKeyThatDoesNotExist()
    {
        var owner = await CreateAccountAsync();
        var other = await CreateAccountAsync();
        var key = await CreateKeyAsync(owner, "sandbox");

        var foreign = await Api.DeleteAsync($"/api/v1/accounts/{other}/keys/{key}");
        var missing = await Api.DeleteAsync($"/api/v1/accounts/{other}/keys/{ApiKeyFormat.Generate(GatewayEnvironment.Sandbox)}");

        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(ProblemCodes.KeyNotFound, await foreign.ProblemCodeAsync());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("active", (await KeysAsync(owner))[key]);
    }

    [Fact]
    public async Task Audit_RecordsEachKeyEventWithActorAndTime_NewestFirst()
    {
        var id = await CreateAccountAsync();
        var key = await CreateKeyAsync(id, "sandbox");
        await Api.DeleteAsync($"/api/v1/accounts/{id}/keys/{key}");

        var events = (await (await Api.GetAsync($"/api/v1/accounts/{id}/audit")).ReadNodeAsync()).AsArray();

        Assert.Equal(["key.revoked", "key.created", "account.created"], events.Select(e => e!["action"]!.GetValue<string>()));
        Assert.All(events, e => Assert.Equal("operator", e!["actor"]!.GetValue<string>()));
        Assert.Equal(key, events[0]!["apiKey"]!.GetValue<string>());
        var times = events.Select(e => e!["at"]!.GetValue<DateTimeOffset>()).ToList();
        Assert.Equal(times.OrderDescending(), times);
    }

    public static TheoryData<string, string, string, string?, HttpStatusCode, string> BadInputs => new()
    {
        // name, method, path ({id} = a real account), JSON body, status, code
        { "unknown environment", "POST", "/api/v1/accounts/{id}/keys", """{"environment":"staging"}""", HttpStatusCode.BadRequest, ProblemCodes.InvalidEnvironment },
        { "missing environment", "POST", "/api/v1/accounts/{id}/keys", "{}", HttpStatusCode.BadRequest, ProblemCodes.InvalidEnvironment },
        { "malformed PEM", "POST", "/api/v1/accounts/{id}/keys", """{"environment":"sandbox","publicKey":"-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----"}""", HttpStatusCode.BadRequest, ProblemCodes.MalformedPublicKey },
        { "not PEM at all", "POST", "/api/v1/accounts/{id}/keys", """{"environment":"sandbox","publicKey":"ssh-rsa AAAA"}""", HttpStatusCode.BadRequest, ProblemCodes.MalformedPublicKey },
        { "unknown account: create key", "POST", "/api/v1/accounts/acc_doesnotexist/keys", """{"environment":"sandbox"}""", HttpStatusCode.NotFound, ProblemCodes.AccountNotFound },
        { "unknown account: list keys", "GET", "/api/v1/accounts/acc_doesnotexist/keys", null, HttpStatusCode.NotFound, ProblemCodes.AccountNotFound },
        { "unknown account: get", "GET", "/api/v1/accounts/acc_doesnotexist", null, HttpStatusCode.NotFound, ProblemCodes.AccountNotFound },
        { "unknown account: audit", "GET", "/api/v1/accounts/acc_doesnotexist/audit", null, HttpStatusCode.NotFound, ProblemCodes.AccountNotFound },
        { "unknown account: grant", "PUT", "/api/v1/accounts/acc_doesnotexist/entitlements/payments", null, HttpStatusCode.NotFound, ProblemCodes.AccountNotFound },
        { "unknown service", "PUT", "/api/v1/accounts/{id}/entitlements/shipping", null, HttpStatusCode.BadRequest, ProblemCodes.UnknownService },
        { "roll without grace", "POST", "/api/v1/accounts/{id}/keys/roll", """{"environment":"sandbox"}""", HttpStatusCode.BadRequest, ProblemCodes.InvalidGracePeriod },
        { "grace of zero", "POST", "/api/v1/accounts/{id}/keys/roll", """{"environment":"sandbox","graceSeconds":0}""", HttpStatusCode.BadRequest, ProblemCodes.InvalidGracePeriod },
        { "grace over a week", "POST", "/api/v1/accounts/{id}/keys/roll", """{"environment":"sandbox","graceSeconds":604801}""", HttpStatusCode.BadRequest, ProblemCodes.InvalidGracePeriod },
        { "grace too large for int", "POST", "/api/v1/accounts/{id}/keys/roll", """{"environment":"sandbox","graceSeconds":99999999999999}""", HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest },
        { "email missing", "POST", "/api/v1/accounts", """{"name":"x"}""", HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest },
        { "email not an address", "POST", "/api/v1/accounts", """{"email":"not an email"}""", HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest },
        { "body not JSON", "POST", "/api/v1/accounts", "{oops", HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest },
        { "body of the wrong shape", "POST", "/api/v1/accounts", "[1,2]", HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest },
        { "delete unknown key", "DELETE", "/api/v1/accounts/{id}/keys/cs_sbx_nope", null, HttpStatusCode.NotFound, ProblemCodes.KeyNotFound },
        { "unknown route", "GET", "/api/v1/nothing-here", null, HttpStatusCode.NotFound, ProblemCodes.NotFound },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task BadInput_IsAnsweredWithItsCode(string name, string method, string path, string? body, HttpStatusCode status, string code)
    {
        var id = await CreateAccountAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{id}", id));
        if (body is not null)
        {
            request.Content = new StringContent(body, MediaTypeHeaderValue.Parse("application/json"));
        }

        var response = await Api.SendAsync(request);

        Assert.True(status == response.StatusCode, $"{name}: expected {status}, got {response.StatusCode}");
        Assert.Equal(code, await response.ProblemCodeAsync());
    }

    [Fact]
    public async Task MissingOperatorToken_IsAnswered401WithChallenge()
    {
        using var anonymous = new HttpClient { BaseAddress = Platform.PortalUrl };

        var response = await anonymous.GetAsync("/api/v1/accounts");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ProblemCodes.MissingOperatorToken, await response.ProblemCodeAsync());
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Theory]
    [InlineData("Bearer wrong-token")]
    [InlineData("Bearer ")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer test-operator-token-and-more")]
    public async Task WrongOperatorToken_IsAnswered401InvalidOperatorToken(string authorization)
    {
        using var client = new HttpClient { BaseAddress = Platform.PortalUrl };
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);

        var response = await client.PostAsJsonAsync("/api/v1/accounts", new { email = $"x{Guid.NewGuid():N}@example.com" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ProblemCodes.InvalidOperatorToken, await response.ProblemCodeAsync());
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString());
    }

    private async Task<string> CreateAccountAsync()
    {
        var response = await Api.PostJsonAsync("/api/v1/accounts", new { email = $"shop-{Guid.NewGuid():N}@example.com" });
        response.EnsureSuccessStatusCode();
        return (await response.ReadNodeAsync())["id"]!.GetValue<string>();
    }

    private async Task<string> CreateKeyAsync(string accountId, string environment)
    {
        var response = await Api.PostJsonAsync($"/api/v1/accounts/{accountId}/keys", new { environment });
        response.EnsureSuccessStatusCode();
        return (await response.ReadNodeAsync())["apiKey"]!.GetValue<string>();
    }

    /// <summary>API key → status.</summary>
    private async Task<Dictionary<string, string>> KeysAsync(string accountId)
    {
        var list = (await (await Api.GetAsync($"/api/v1/accounts/{accountId}/keys")).ReadNodeAsync()).AsArray();
        return list.ToDictionary(k => k!["apiKey"]!.GetValue<string>(), k => k!["status"]!.GetValue<string>());
    }

    private async Task<List<string>> AuditActionsAsync(string accountId) =>
        (await (await Api.GetAsync($"/api/v1/accounts/{accountId}/audit")).ReadNodeAsync()).AsArray()
        .Select(e => e!["action"]!.GetValue<string>()).ToList();
}
