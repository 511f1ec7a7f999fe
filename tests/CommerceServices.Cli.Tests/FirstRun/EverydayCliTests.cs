using System.Text.Json.Nodes;
using CommerceServices.Cli.Commands;

namespace CommerceServices.Cli.Tests.FirstRun;

/// <summary>What a newcomer meets on the CLI every day: quota, unique project names, readable tables, store folders, no -0.</summary>
public sealed class EverydayCliTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    [Fact]
    public async Task Quota_ShowsWhatTheAccountMayHaveAndHas_PerType()
    {
        var account = await platform.NewAccountAsync();
        await platform.JsonAsync("entitlements", "grant", "--account", account, "--service", "payments");
        var project = (await platform.JsonAsync("projects", "list", "--account", account))[0]!["id"]!.GetValue<string>();
        await platform.JsonAsync("data-spaces", "create", "--account", account, "--project", project, "--name", "qa", "--type", "testing");

        var json = await platform.JsonAsync("quota", "--account", account);
        var table = (await platform.RunAsync("quota", "--account", account)).Expect(ExitCodes.Ok);

        Assert.Equal(2, json["testing"]!["allowed"]!.GetValue<int>());
        Assert.Equal(1, json["testing"]!["used"]!.GetValue<int>());
        Assert.Contains("allowed", table.Stdout);
        Assert.Matches(@"testing\s*│\s*2\s*│\s*1\s*│\s*1", table.Stdout);
    }

    [Fact]
    public async Task ASecondProjectNamedLikeTheDefaultOne_IsRefusedWithProjectExists()
    {
        var account = await platform.NewAccountAsync();

        (await platform.RunAsync("projects", "create", "--account", account, "--name", "Default project")).ExpectError(ExitCodes.Refused, "project_exists");
    }

    [Fact]
    public async Task OneObjectTables_NameMembersLikeTheListTables_AndFormatTimes()
    {
        var account = await platform.NewAccountAsync();

        var created = (await platform.RunAsync("projects", "create", "--account", account, "--name", "Staging")).Expect(ExitCodes.Ok);

        Assert.DoesNotContain("createdAt", created.Stdout);
        Assert.DoesNotContain("accountId", created.Stdout);
        Assert.Matches(@"created\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z", created.Stdout);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("use-data-space")]
    public async Task AStoreFolderThatDoesNotExist_IsRefused_NotCreatedAfresh(string command)
    {
        var missing = Path.Combine(Path.GetTempPath(), $"cs-no-such-store-{Guid.NewGuid():N}");
        string[] arguments = command == "status"
            ? ["connector", "status", "--store", missing]
            : ["connector", "use-data-space", "--store", missing, "--data-space", "ds_x"];

        var run = await platform.RunAsync(arguments);

        run.ExpectError(ExitCodes.Usage, CliError.UsageErrorCode);
        Assert.Contains(missing, run.Stderr);
        Assert.Contains("connector configure", run.Stderr);
        Assert.False(Directory.Exists(missing));
    }

    [Theory]
    [InlineData(-20)]
    [InlineData(-49)]
    [InlineData(0)]
    public void AClockAHairBehind_IsReportedAsZero_NotMinusZero(int milliseconds)
    {
        var seconds = ConnectorCommands.ClockOffsetSeconds(TimeSpan.FromMilliseconds(milliseconds));

        Assert.Equal("0", JsonValue.Create(seconds).ToJsonString());
    }

    [Fact]
    public async Task AMissingOperatorToken_NamesBothWaysToPassIt()
    {
        var run = await CliRunner.RunAsync(["accounts", "list", "--platform", platform.Url]);

        run.ExpectError(ExitCodes.Refused, "missing_operator_token");
        Assert.Contains("--token", run.Stderr);
        Assert.Contains("COMMERCE_SERVICES_TOKEN", run.Stderr);
    }
}
