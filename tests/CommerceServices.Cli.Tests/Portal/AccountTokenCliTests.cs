using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommerceServices.Testing;

namespace CommerceServices.Cli.Tests.Portal;

/// <summary>The CLI with an account token: its own account works, another account's ids are not found, operator calls are refused.</summary>
public sealed class AccountTokenCliTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    [Fact]
    public async Task UsersInvite_PrintsAOneTimeLinkToThePortal()
    {
        var account = await platform.NewAccountAsync();

        var invitation = await platform.JsonAsync("users", "invite", "--account", account, "--email", $"{Guid.NewGuid():N}@example.test");

        Assert.StartsWith(new Uri(platform.Host.PortalUrl, "invitations/").AbsoluteUri, invitation["url"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(invitation["expiresAt"]);
    }

    [Fact]
    public async Task AnAccountTokenWithToken_WorksForItsAccount_AndGetsNotFoundForAnothersIds()
    {
        var mine = await platform.NewAccountAsync();
        var theirs = await platform.NewAccountAsync();
        using var created = await platform.Host.Management.PostAsJsonAsync($"/api/v1/accounts/{mine}/tokens", new { name = "cli" });
        var token = (await created.Content.ReadFromJsonAsync<JsonObject>())!["secret"]!.GetValue<string>();

        async Task<CliRun> AsMerchant(params string[] arguments) =>
            await CliRunner.RunAsync([.. arguments, "--platform", platform.Url, "--token", token]);

        (await AsMerchant("keys", "create", "--account", mine, "--environment", "sandbox", "--json")).Expect(ExitCodes.Ok);
        (await AsMerchant("keys", "list", "--account", mine, "--json")).Expect(ExitCodes.Ok);
        (await AsMerchant("keys", "list", "--account", theirs, "--json")).ExpectError(ExitCodes.Refused, "account_not_found");
        (await AsMerchant("data-spaces", "list", "--account", theirs, "--json")).ExpectError(ExitCodes.Refused, "account_not_found");
        var refused = await AsMerchant("entitlements", "grant", "--account", mine, "--service", "payments", "--json");
        Assert.Equal("operator_only", refused.Json["code"]!.GetValue<string>());
    }
}
