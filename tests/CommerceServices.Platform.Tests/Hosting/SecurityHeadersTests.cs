using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommerceServices.Platform.Tests.Portal;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Hosting;

/// <summary>The platform's answers over real HTTP: the page policy on every portal page, the API policy on JSON answers.</summary>
public sealed class SecurityHeadersTests : IAsyncLifetime
{
    private PlatformHost _host = null!;

    public async Task InitializeAsync() => _host = await PlatformHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task EveryPortalPage_SignedInOrNot_RefusesFraming_AndCarriesThePagePolicy()
    {
        var (accountId, email, password) = await PortalSession.NewUserAsync(_host);
        using var session = new PortalSession(_host);
        var problems = new List<string>();
        foreach (var path in new[] { "/sign-in", "/invitations/not-a-link" })
        {
            problems.AddRange(await ProblemsAsync(session, path));
        }

        await session.SignInAsync(email, password);
        var key = await PostAsync($"/api/v1/accounts/{accountId}/keys", new { environment = "sandbox" });
        foreach (var path in new[] { "/", "/keys", $"/keys/{key["apiKey"]!.GetValue<string>()}/delete", "/data-spaces", "/services", "/activity",
                     "/tokens", "/password", "/data-spaces/ds_nothing" })
        {
            problems.AddRange(await ProblemsAsync(session, path));
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public async Task JsonAnswersThatCarrySecrets_AreNeverStored_NorSniffed()
    {
        var (accountId, _, _) = await PortalSession.NewUserAsync(_host);
        using var key = await _host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/keys", new { environment = "sandbox" });
        using var token = await _host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/tokens", new { name = "deploy" });
        using var invitation = await _host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/invitations", new { email = $"{Guid.NewGuid():N}@example.test" });
        using var refused = await _host.Management.GetAsync("/api/v1/accounts/acc_nobody");
        using var gateway = await new HttpClient().GetAsync(new Uri(_host.SandboxGatewayUrl, "merchant-registry/v1/ping"));

        foreach (var (what, answer) in new[] { ("key", key), ("token", token), ("invitation", invitation), ("refusal", refused), ("gateway", gateway) })
        {
            Assert.True(answer.Headers.TryGetValues("X-Content-Type-Options", out var sniff) && sniff.Single() == "nosniff", $"{what}: no nosniff");
            Assert.True(answer.Headers.CacheControl?.NoStore == true, $"{what}: Cache-Control is {answer.Headers.CacheControl}");
            Assert.Contains("frame-ancestors 'none'", string.Join(",", answer.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
            Assert.False(answer.Headers.Contains("Server"), $"{what}: Server header");
        }

        Assert.Contains("PRIVATE KEY", await key.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<IEnumerable<string>> ProblemsAsync(PortalSession session, string path)
    {
        using var response = await session.GetAsync(path);
        var headers = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(", ", h.Value));
        var problems = SecurityHeaderRules.PageProblems(headers).Select(p => $"{(int)response.StatusCode} {path}: {p}").ToList();
        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.NotFound or HttpStatusCode.Gone))
        {
            problems.Add($"{path}: answered {(int)response.StatusCode}");
        }

        return problems;
    }

    private async Task<JsonObject> PostAsync(string path, object body)
    {
        using var response = await _host.Management.PostAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }
}
