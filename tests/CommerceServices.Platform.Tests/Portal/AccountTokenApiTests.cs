using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Portal.Tokens;
using CommerceServices.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommerceServices.Platform.Tests.Portal;

/// <summary>Account tokens on the management API: their own account only, never operator calls, stored only as a hash.</summary>
public sealed class AccountTokenApiTests : IAsyncLifetime
{
    private PlatformHost _host = null!;

    public async Task InitializeAsync() => _host = await PlatformHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task AnAccountToken_ManagesItsOwnAccount_AndAnotherAccountAnswersExactlyAsOneThatDoesNotExist()
    {
        var mine = await NewAccountAsync();
        var theirs = await NewAccountAsync();
        using var client = ClientWith(await NewTokenAsync(mine));

        using var own = await client.PostAsJsonAsync($"/api/v1/accounts/{mine}/keys", new { environment = "sandbox" });
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/accounts/{mine}/data-spaces")).StatusCode);

        foreach (var path in new[] { "keys", "projects", "data-spaces", "audit", "quota", "tokens" })
        {
            using var other = await client.GetAsync($"/api/v1/accounts/{theirs}/{path}");
            using var none = await client.GetAsync($"/api/v1/accounts/acc_doesnotexist000000000/{path}");
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
            Assert.Equal(Shape(await none.Content.ReadAsStringAsync(), "acc_doesnotexist000000000"),
                Shape(await other.Content.ReadAsStringAsync(), theirs));
        }

        using var write = await client.PostAsJsonAsync($"/api/v1/accounts/{theirs}/keys", new { environment = "sandbox" });
        Assert.Equal(HttpStatusCode.NotFound, write.StatusCode);
        Assert.Empty(await ListAsync(_host.Management, $"/api/v1/accounts/{theirs}/keys"));
    }

    [Fact]
    public async Task OperatorOnlyCalls_Answer403_ToAnAccountToken()
    {
        var mine = await NewAccountAsync();
        using var client = ClientWith(await NewTokenAsync(mine));

        using var create = await client.PostAsJsonAsync("/api/v1/accounts", new { email = "new@example.test" });
        using var list = await client.GetAsync("/api/v1/accounts");
        using var grant = await client.PutAsync($"/api/v1/accounts/{mine}/entitlements/payments", null);
        using var revoke = await client.DeleteAsync($"/api/v1/accounts/{mine}/entitlements/payments");

        foreach (var response in new[] { create, list, grant, revoke })
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("operator_only", (await response.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task ARevokedOrMadeUpToken_IsRefusedWithInvalidAccountToken()
    {
        var mine = await NewAccountAsync();
        var token = await NewTokenAsync(mine);
        var tokens = await ListAsync(_host.Management, $"/api/v1/accounts/{mine}/tokens");
        (await _host.Management.DeleteAsync($"/api/v1/accounts/{mine}/tokens/{tokens[0]!["id"]}")).EnsureSuccessStatusCode();

        foreach (var presented in new[] { token, AccountTokenService.Prefix + "made-up" })
        {
            using var client = ClientWith(presented);
            using var response = await client.GetAsync($"/api/v1/accounts/{mine}/keys");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("invalid_account_token", (await response.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task ATokenIsStoredOnlyAsAHash_AndItsLastUseIsShown()
    {
        var mine = await NewAccountAsync();
        var token = await NewTokenAsync(mine);
        using (var client = ClientWith(token))
        {
            (await client.GetAsync($"/api/v1/accounts/{mine}/keys")).EnsureSuccessStatusCode();
        }

        var listed = (await ListAsync(_host.Management, $"/api/v1/accounts/{mine}/tokens")).Single()!;
        Assert.NotNull(listed["lastUsedAt"]);
        Assert.DoesNotContain(token, listed.ToJsonString(), StringComparison.Ordinal);

        using var scope = _host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var stored = await db.Set<AccountToken>().AsNoTracking().SingleAsync(t => t.AccountId == mine);
        Assert.NotEqual(token, stored.TokenHash);
        Assert.DoesNotContain(token[AccountTokenService.Prefix.Length..], stored.TokenHash + stored.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain(token[AccountTokenService.Prefix.Length..], _host.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheAuditLogNamesTheTokenThatMadeAChange()
    {
        var mine = await NewAccountAsync();
        using var client = ClientWith(await NewTokenAsync(mine, "deploy script"));
        (await client.PostAsJsonAsync($"/api/v1/accounts/{mine}/keys", new { environment = "sandbox" })).EnsureSuccessStatusCode();

        var events = await ListAsync(_host.Management, $"/api/v1/accounts/{mine}/audit");
        Assert.StartsWith("token deploy script", events[0]!["actor"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static string Shape(string problem, string accountId)
    {
        var node = JsonNode.Parse(problem)!.AsObject();
        node.Remove("traceId");
        return node.ToJsonString().Replace(accountId, "ACCOUNT", StringComparison.Ordinal);
    }

    private HttpClient ClientWith(string token)
    {
        var client = new HttpClient { BaseAddress = _host.PortalUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private async Task<string> NewAccountAsync()
    {
        using var response = await _host.Management.PostAsJsonAsync("/api/v1/accounts", new { email = $"{Guid.NewGuid():N}@example.test" });
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
    }

    private async Task<string> NewTokenAsync(string accountId, string name = "cli")
    {
        using var response = await _host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/tokens", new { name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["secret"]!.GetValue<string>();
    }

    private static async Task<JsonArray> ListAsync(HttpClient client, string path) =>
        (await client.GetFromJsonAsync<JsonArray>(path))!;
}
