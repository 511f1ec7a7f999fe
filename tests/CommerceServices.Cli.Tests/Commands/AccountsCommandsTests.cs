using System.Text.Json.Nodes;
using CommerceServices.Protocol;

namespace CommerceServices.Cli.Tests.Commands;

public sealed class AccountsCommandsTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    [Fact]
    public async Task Create_WithJson_PrintsTheWholeNewAccount()
    {
        var email = $"{Guid.NewGuid():N}@example.test";

        var account = await platform.JsonAsync("accounts", "create", "--email", email, "--name", "Luma Shop");

        Assert.StartsWith("acc_", account["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(email, account["email"]!.GetValue<string>());
        Assert.Equal("Luma Shop", account["name"]!.GetValue<string>());
        Assert.Empty(account["entitlements"]!.AsArray());
        Assert.NotNull(account["createdAt"]);
    }

    [Fact]
    public async Task Create_ForPeople_ShowsTheIdAndEmail()
    {
        var email = $"{Guid.NewGuid():N}@example.test";

        var run = (await platform.RunAsync("accounts", "create", "--email", email)).Expect(ExitCodes.Ok);

        Assert.Contains(email, run.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"id\s+acc_", run.Stdout);
        Assert.Empty(run.Stderr);
    }

    [Fact]
    public async Task Create_WithoutEmail_IsAUsageErrorThatSendsNothing()
    {
        var run = await platform.RunAsync("accounts", "create", "--json");

        run.ExpectError(ExitCodes.Usage, "usage_error");
        Assert.Contains("--email", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_IncludesEveryCreatedAccount_AsJsonAndAsATable()
    {
        var first = await platform.NewAccountAsync();
        var second = await platform.NewAccountAsync();

        var json = await platform.JsonAsync("accounts", "list");
        var table = (await platform.RunAsync("accounts", "list")).Expect(ExitCodes.Ok);

        var ids = json.AsArray().Select(a => a!["id"]!.GetValue<string>()).ToList();
        Assert.Contains(first, ids);
        Assert.Contains(second, ids);
        Assert.Contains(first, table.Stdout, StringComparison.Ordinal);
        Assert.Contains(second, table.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_ReturnsTheAccount()
    {
        var id = await platform.NewAccountAsync();

        var account = await platform.JsonAsync("accounts", "show", "--account", id);

        Assert.Equal(id, account["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Show_UnknownAccount_IsRefusedWithAccountNotFound()
    {
        var run = await platform.RunAsync("accounts", "show", "--account", "acc_doesnotexist", "--json");

        run.ExpectError(ExitCodes.Refused, ProblemCodes.AccountNotFound);
        Assert.Contains("acc_doesnotexist", run.Stderr, StringComparison.Ordinal);
        Assert.IsType<JsonObject>(run.Json);
    }
}
