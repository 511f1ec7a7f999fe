using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Portal;

/// <summary>
/// A browser without JavaScript, over real HTTP: its own cookie jar, redirects not followed, forms posted with the
/// antiforgery token read from the page, as a browser would send them.
/// </summary>
public sealed partial class PortalSession : IDisposable
{
    private readonly HttpClient _http;

    /// <param name="cookies">Another session's cookies: the same browser talking to another node of the platform.</param>
    public PortalSession(PlatformHost host, CookieContainer? cookies = null)
    {
        Cookies = cookies ?? new CookieContainer();
        _http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }) { BaseAddress = host.PortalUrl };
    }

    public CookieContainer Cookies { get; }

    public Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(path);

    public async Task<string> PageAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode}");
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The antiforgery token of the first form on the page at <paramref name="path"/>.</summary>
    public async Task<string> AntiforgeryTokenAsync(string path) => TokenOf(await PageAsync(path));

    /// <summary>Posts a form the way the page at <paramref name="pagePath"/> would: with its antiforgery token.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string pagePath, string action, IDictionary<string, string> fields, string? antiforgery = null)
    {
        var all = new Dictionary<string, string>(fields) { ["__csrf"] = antiforgery ?? await AntiforgeryTokenAsync(pagePath) };
        return await PostRawAsync(action, all);
    }

    /// <summary>Posts exactly these fields (no antiforgery token added).</summary>
    public Task<HttpResponseMessage> PostRawAsync(string action, IDictionary<string, string> fields) =>
        _http.PostAsync(action, new FormUrlEncodedContent(fields));

    public async Task SignInAsync(string email, string password)
    {
        using var response = await PostFormAsync("/sign-in", "/sign-in", new Dictionary<string, string> { ["email"] = email, ["password"] = password });
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"sign-in: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public static string TokenOf(string html) =>
        AntiforgeryField().Match(html) is { Success: true } match ? WebUtility.HtmlDecode(match.Groups[1].Value)
            : throw new InvalidOperationException("The page has no antiforgery field.");

    public void Dispose() => _http.Dispose();

    /// <summary>An account with a portal user, made through the management API and an invitation link.</summary>
    public static async Task<(string AccountId, string Email, string Password)> NewUserAsync(PlatformHost host, bool payments = true)
    {
        var email = $"{Guid.NewGuid():N}@example.test";
        using var created = await host.Management.PostAsJsonAsync("/api/v1/accounts", new { email });
        var accountId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        if (payments)
        {
            (await host.Management.PutAsync($"/api/v1/accounts/{accountId}/entitlements/payments", null)).EnsureSuccessStatusCode();
        }

        using var invited = await host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/invitations", new { email });
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        var link = new Uri((await invited.Content.ReadFromJsonAsync<JsonObject>())!["url"]!.GetValue<string>());
        const string password = "correct horse battery staple";
        using var session = new PortalSession(host);
        using var accepted = await session.PostFormAsync(link.PathAndQuery, link.PathAndQuery, new Dictionary<string, string> { ["password"] = password });
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
        return (accountId, email, password);
    }

    [GeneratedRegex("name=\"__csrf\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
