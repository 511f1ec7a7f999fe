using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CommerceServices.Platform.Operators;
using CommerceServices.Platform.Tests.Portal;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Operators;

/// <summary>
/// An operator's browser without JavaScript, over real HTTP: its own cookies, redirects not followed, forms posted with
/// the antiforgery token of the page they are on. Makes operators through the API's invitations and the console's pages.
/// </summary>
public sealed partial class OperatorSession(Uri console) : IDisposable
{
    public const string Password = "correct horse battery staple";

    private readonly HttpClient _http = new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = console };

    /// <summary>The TOTP secret of the operator, once enrolled (as the page showed it).</summary>
    public string? Secret { get; private set; }

    public IReadOnlyList<string> RecoveryCodes { get; private set; } = [];

    public Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(path);

    public async Task<string> PageAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {response.Headers.Location}");
        return await response.Content.ReadAsStringAsync();
    }

    public async Task<HttpResponseMessage> PostAsync(string pagePath, string action, IDictionary<string, string>? fields = null, string? token = null)
    {
        var all = new Dictionary<string, string>(fields ?? new Dictionary<string, string>()) { ["__csrf"] = token ?? PortalSession.TokenOf(await PageAsync(pagePath)) };
        return await _http.PostAsync(action, new FormUrlEncodedContent(all));
    }

    public Task<HttpResponseMessage> PostRawAsync(string action, IDictionary<string, string> fields) =>
        _http.PostAsync(action, new FormUrlEncodedContent(fields));

    /// <summary>Invites through the API (operator token), accepts in the console, and for an admin enrols an authenticator.</summary>
    public static async Task<(OperatorSession Session, string Email)> NewAsync(PlatformHost host, string role, Uri? console = null)
    {
        var email = $"ops-{Guid.NewGuid():N}@example.test";
        using var invited = await host.Management.PostAsJsonAsync("/api/v1/operators/invitations", new { email, role });
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        var link = new Uri((await invited.Content.ReadFromJsonAsync<JsonObject>())!["invitationUrl"]!.GetValue<string>());
        var session = new OperatorSession(console ?? host.PortalUrl);
        using var accepted = await session.PostAsync(link.PathAndQuery, link.PathAndQuery, new Dictionary<string, string> { ["password"] = Password });
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
        if (role == OperatorRoles.Admin)
        {
            Assert.Equal("/operator/enrol", accepted.Headers.Location!.OriginalString);
            await session.EnrolAsync();
        }

        return (session, email);
    }

    public async Task EnrolAsync()
    {
        var page = await PageAsync("/operator/enrol");
        Secret = SecretText().Match(page).Groups[1].Value.Replace(" ", "", StringComparison.Ordinal);
        using var confirmed = await PostAsync("/operator/enrol", "/operator/enrol", new Dictionary<string, string> { ["code"] = Totp.Compute(Secret, DateTimeOffset.UtcNow) });
        var html = await confirmed.Content.ReadAsStringAsync();
        Assert.True(confirmed.StatusCode == HttpStatusCode.OK, html);
        RecoveryCodes = RecoveryCode().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(OperatorService.RecoveryCodeCount, RecoveryCodes.Count);
    }

    /// <summary>Signs in with the password, then (when enrolled) with the code of the next time step (the current one was used).</summary>
    public async Task<HttpResponseMessage> SignInAsync(string email, string password = Password, string? code = null)
    {
        var response = await PostAsync("/operator/sign-in", "/operator/sign-in", new Dictionary<string, string> { ["email"] = email, ["password"] = password });
        if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location!.OriginalString != "/operator/sign-in/code")
        {
            return response;
        }

        response.Dispose();
        return await PostAsync("/operator/sign-in/code", "/operator/sign-in/code",
            new Dictionary<string, string> { ["code"] = code ?? Totp.Compute(Secret!, DateTimeOffset.UtcNow.AddSeconds(Totp.StepSeconds)) });
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("<code id=\"secret\" class=\"secret-text\">([A-Z2-7 ]+)</code>")]
    private static partial Regex SecretText();

    [GeneratedRegex("<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>")]
    private static partial Regex RecoveryCode();
}
