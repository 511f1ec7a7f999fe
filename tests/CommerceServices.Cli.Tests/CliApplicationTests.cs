using CommerceServices.Protocol;
using CommerceServices.Testing;

namespace CommerceServices.Cli.Tests;

/// <summary>What every command shares: where the platform is, the operator token, usage errors and exit codes.</summary>
public sealed class CliApplicationTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    [Fact]
    public async Task WithoutTokenOrEnvironmentVariable_SendsNoTokenAndIsRefusedWithMissingOperatorToken()
    {
        var run = await CliRunner.RunAsync(["accounts", "list", "--platform", platform.Url, "--json"]);

        run.ExpectError(ExitCodes.Refused, ProblemCodes.MissingOperatorToken);
    }

    [Fact]
    public async Task WithAWrongToken_IsRefusedWithInvalidOperatorToken()
    {
        var run = await CliRunner.RunAsync(["accounts", "list", "--platform", platform.Url, "--token", "not-the-token"]);

        run.ExpectError(ExitCodes.Refused, ProblemCodes.InvalidOperatorToken);
        Assert.Empty(run.Stdout);
    }

    [Fact]
    public async Task WithoutOptions_TakesPlatformAndTokenFromTheEnvironment()
    {
        var run = await CliRunner.RunAsync(["accounts", "list", "--json"], new Dictionary<string, string?>
        {
            [GlobalOptions.PlatformVariable] = platform.Url,
            [GlobalOptions.TokenVariable] = PlatformHost.OperatorToken,
        });

        run.Expect(ExitCodes.Ok);
        Assert.IsType<System.Text.Json.Nodes.JsonArray>(run.Json);
    }

    [Fact]
    public async Task UnreachablePlatform_ExitsWith3AndAClearMessageWithoutAStackTrace()
    {
        var url = $"http://127.0.0.1:{PostgresServer.FreePort()}";

        var run = await CliRunner.RunAsync(["accounts", "show", "--account", "acc_any", "--platform", url, "--token", "t", "--json"]);

        run.ExpectError(ExitCodes.Unreachable, "platform_unreachable");
        Assert.StartsWith($"error: platform_unreachable: could not reach {url}/", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APlatformUrlThatIsNotHttp_IsAUsageError()
    {
        var run = await CliRunner.RunAsync(["accounts", "list", "--platform", "ftp://example.test"]);

        run.ExpectError(ExitCodes.Usage, "usage_error");
    }

    [Fact]
    public async Task AnUnknownCommand_IsAUsageError()
    {
        var run = await CliRunner.RunAsync(["acounts", "list"]);

        run.ExpectError(ExitCodes.Usage, "usage_error");
    }

    [Fact]
    public async Task Help_ListsTheCommandGroups()
    {
        var run = (await CliRunner.RunAsync(["--help"])).Expect(ExitCodes.Ok);

        foreach (var group in new[] { "accounts", "entitlements", "keys", "audit", "--platform", "--token", "--json" })
        {
            Assert.Contains(group, run.Stdout, StringComparison.Ordinal);
        }
    }
}
