using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Protocol;
using CommerceServices.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommerceServices.Platform.Tests.Portal;

/// <summary>
/// Names that would disguise themselves or what follows them: a right-to-left override reverses the rest of the line, a
/// NUL cuts it short elsewhere. Refused in every name; and names stored before the rule are isolated in the pages.
/// </summary>
public sealed class NameRulesTests : IAsyncLifetime
{
    private const string RightToLeftOverride = "\u202E";
    private PlatformHost _host = null!;

    public async Task InitializeAsync() => _host = await PlatformHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData("\u202E")] // right-to-left override
    [InlineData("\u202D")] // left-to-right override
    [InlineData("\u2066")] // left-to-right isolate
    [InlineData("\u2067")] // right-to-left isolate
    [InlineData("\u200F")] // right-to-left mark
    [InlineData("\u061C")] // Arabic letter mark
    [InlineData("\0")] // NUL
    [InlineData("\n")]
    public async Task ANameWithADirectionControlOrAControlCharacter_IsRefusedEverywhere(string character)
    {
        var name = $"shop{character}gpj.exe";
        var accountId = await CreateAccountAsync("Example Shop");
        var project = (await _host.Management.GetFromJsonAsync<JsonArray>($"/api/v1/accounts/{accountId}/projects"))![0]!["id"]!.GetValue<string>();
        using var space = await _host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/data-spaces", new { projectId = project, name = "fine", type = "testing" });
        var spaceId = (await space.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();

        var answers = new Dictionary<string, HttpResponseMessage>
        {
            ["account"] = await _host.Management.PostAsJsonAsync("/api/v1/accounts", new { email = $"{Guid.NewGuid():N}@example.test", name }),
            ["account email"] = await _host.Management.PostAsJsonAsync("/api/v1/accounts", new { email = $"a{character}b{Guid.NewGuid():N}@example.test" }),
            ["project"] = await _host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/projects", new { name }),
            ["data space"] = await _host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/data-spaces", new { projectId = project, name, type = "testing" }),
            ["data space rename"] = await _host.Management.PatchAsJsonAsync($"/api/v1/accounts/{accountId}/data-spaces/{spaceId}", new { name }),
            ["token"] = await _host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/tokens", new { name }),
        };

        foreach (var (what, answer) in answers)
        {
            var body = await answer.Content.ReadAsStringAsync();
            Assert.True(answer.StatusCode == HttpStatusCode.BadRequest, $"{what}: {(int)answer.StatusCode} {body}");
            Assert.Equal(ProblemCodes.InvalidRequest, JsonNode.Parse(body)!["code"]!.GetValue<string>());
            answer.Dispose();
        }

        var spaces = await _host.Management.GetStringAsync($"/api/v1/accounts/{accountId}/data-spaces");
        Assert.DoesNotContain("gpj.exe", spaces, StringComparison.Ordinal); // the name with its dot: an id may hold "gpj" by chance
    }

    [Fact]
    public async Task ANameStoredBeforeTheRule_IsIsolatedInThePortalsPages()
    {
        var (accountId, email, password) = await PortalSession.NewUserAsync(_host);
        var project = (await _host.Management.GetFromJsonAsync<JsonArray>($"/api/v1/accounts/{accountId}/projects"))![0]!["id"]!.GetValue<string>();
        using var space = await _host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/data-spaces", new { projectId = project, name = "fine", type = "testing" });
        var spaceId = (await space.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        var hostile = $"invoice{RightToLeftOverride}fdp.exe";
        using (var scope = _host.Services.CreateScope())
        {
            // As an older platform stored it, with no rule about direction controls.
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            await db.DataSpaces.Where(d => d.Id == spaceId).ExecuteUpdateAsync(s => s.SetProperty(d => d.Name, hostile));
            scope.ServiceProvider.GetRequiredService<AuditLog>().Record(accountId, AuditActions.DataSpaceCreated, "operator", detail: $"{spaceId} '{hostile}'");
            await db.SaveChangesAsync();
        }

        using var session = new PortalSession(_host);
        await session.SignInAsync(email, password);
        var list = await session.PageAsync("/data-spaces");
        var activity = await session.PageAsync("/activity");
        var detail = await session.PageAsync($"/data-spaces/{spaceId}");

        var encoded = System.Text.Encodings.Web.HtmlEncoder.Default.Encode(hostile);
        Assert.Contains($"<bdi>{encoded}</bdi>", list, StringComparison.Ordinal);
        Assert.Contains($"<bdi>{System.Text.Encodings.Web.HtmlEncoder.Default.Encode($"{spaceId} '{hostile}'")}</bdi>", activity, StringComparison.Ordinal);
        Assert.Contains($"<h1><bdi>{encoded}</bdi></h1>", detail, StringComparison.Ordinal);
    }

    private async Task<string> CreateAccountAsync(string name)
    {
        using var created = await _host.Management.PostAsJsonAsync("/api/v1/accounts", new { email = $"{Guid.NewGuid():N}@example.test", name });
        var id = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        (await _host.Management.PutAsync($"/api/v1/accounts/{id}/entitlements/payments", null)).EnsureSuccessStatusCode();
        return id;
    }
}
