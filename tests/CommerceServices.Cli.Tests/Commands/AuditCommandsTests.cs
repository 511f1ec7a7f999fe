using CommerceServices.Protocol;

namespace CommerceServices.Cli.Tests.Commands;

public sealed class AuditCommandsTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    [Fact]
    public async Task List_ShowsKeyAndEntitlementEvents_NewestFirst_UpToTheLimit()
    {
        var id = await platform.NewAccountAsync();
        await platform.JsonAsync("entitlements", "grant", "--account", id, "--service", "payments");
        var key = (await platform.JsonAsync("keys", "create", "--account", id, "--environment", "sandbox"))["apiKey"]!.GetValue<string>();

        var events = (await platform.JsonAsync("audit", "list", "--account", id)).AsArray();
        var latest = (await platform.JsonAsync("audit", "list", "--account", id, "--limit", "1")).AsArray();
        var table = (await platform.RunAsync("audit", "list", "--account", id)).Expect(ExitCodes.Ok);

        Assert.True(events.Count >= 2, events.ToJsonString());
        Assert.Equal(key, events[0]!["apiKey"]?.GetValue<string>());
        Assert.Single(latest);
        Assert.Equal(events[0]!["id"]!.GetValue<string>(), latest[0]!["id"]!.GetValue<string>());
        Assert.Contains(key, table.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_UnknownAccount_IsRefusedWithAccountNotFound()
    {
        var run = await platform.RunAsync("audit", "list", "--account", "acc_nobody");

        run.ExpectError(ExitCodes.Refused, ProblemCodes.AccountNotFound);
    }

    [Fact]
    public async Task List_WithALimitBelowOne_IsAUsageError()
    {
        var run = await platform.RunAsync("audit", "list", "--account", "acc_any", "--limit", "0");

        run.ExpectError(ExitCodes.Usage, "usage_error");
    }
}
