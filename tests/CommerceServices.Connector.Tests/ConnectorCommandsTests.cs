using CommerceServices.Cli;
using CommerceServices.Cli.Tests;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;
using CommerceServices.Testing;

namespace CommerceServices.Connector.Tests;

/// <summary><c>commerce-services connector …</c> through the real binary, against a real platform.</summary>
public sealed class ConnectorCommandsTests(ConnectorFixture platform) : IClassFixture<ConnectorFixture>, IDisposable
{
    private readonly TempStore _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task ConfigureThenStatus_IsVerified_WithExitCodeZero()
    {
        var (account, dataSpace) = await ConfigureSandboxAsync();
        var status = (await Cli("connector", "status", "--store", _temp.Store, "--json")).Expect(ExitCodes.Ok).Json;

        Assert.Equal("verified", status["state"]!.GetValue<string>());
        Assert.Equal("sandbox", status["environment"]!.GetValue<string>());
        Assert.Equal(dataSpace, status["dataSpace"]!.GetValue<string>());
        Assert.Equal(await platform.DefaultProjectAsync(account), status["project"]!.GetValue<string>());
    }

    [Fact]
    public async Task ASandboxKeyInTheProductionField_IsAUsageError_WithAClearMessage()
    {
        using var rsa = RsaPem.CreateKey();
        var keyFile = Path.Combine(_temp.Path, "key.pem");
        await File.WriteAllTextAsync(keyFile, rsa.ExportPkcs8PrivateKeyPem());

        var run = await Cli("connector", "configure", "--store", _temp.Store, "--environment", "production",
            "--api-key", ApiKeyFormat.Generate(GatewayEnvironment.Sandbox), "--private-key-file", keyFile);

        run.ExpectError(ExitCodes.Usage, ProblemCodes.EnvironmentMismatch);
        Assert.Contains("This is a sandbox API key", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusWithTheGatewayDown_IsUnreachable_WithExitCodeThree()
    {
        await ConfigureSandboxAsync();
        // Point the store at a closed port, as if the platform had stopped.
        await using (var test = TestConnector.Create(_temp.Store, platform.Host.SandboxGatewayUrl, platform.Host.ProductionGatewayUrl))
        {
            test.Connector.State.Save(test.Connector.Settings with { SandboxGatewayUrl = new Uri($"http://127.0.0.1:{PostgresServer.FreePort()}") });
        }

        var status = (await Cli("connector", "status", "--store", _temp.Store, "--json")).Expect(ExitCodes.Unreachable).Json;

        Assert.Equal("unreachable", status["state"]!.GetValue<string>());
        Assert.Equal(ConnectorCodes.PlatformUnreachable, status["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task GenerateKey_RegistersOnlyThePublicKey_AndTheStoredPairIsAcceptedByTheGateway()
    {
        var account = await platform.NewAccountAsync();
        var dataSpace = await platform.NewDataSpaceAsync(account, "testing");

        var generated = (await Cli("connector", "generate-key", "--store", _temp.Store, "--environment", "sandbox", "--account", account,
            "--platform", platform.Host.PortalUrl.ToString(), "--token", PlatformHost.OperatorToken, "--json")).Expect(ExitCodes.Ok).Json;
        var apiKey = generated["sandboxApiKey"]!.GetValue<string>();
        Assert.DoesNotContain("PRIVATE KEY", generated.ToJsonString(), StringComparison.Ordinal);

        await using var test = platform.NewConnector(_temp.Store);
        var bound = await test.Connector.UseDataSpaceAsync(dataSpace);
        Assert.True(bound.Success, bound.Message);
        Assert.Equal(ConnectionState.Verified, (await test.Connector.GetStatusAsync()).State);
        using var keys = await platform.Host.Management.GetAsync($"api/v1/accounts/{account}/keys");
        Assert.Contains(apiKey, await keys.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UseDataSpace_OnAProductionInstance_WithoutAChoice_IsRefused_AndBothFlagsTogetherAreAUsageError()
    {
        var account = await platform.NewAccountAsync();
        var (apiKey, privateKey) = await platform.NewKeyAsync(account, GatewayEnvironment.Production);
        var production = await platform.NewDataSpaceAsync(account, "production");
        var testing = await platform.NewDataSpaceAsync(account, "testing");
        var keyFile = Path.Combine(_temp.Path, "production.pem");
        await File.WriteAllTextAsync(keyFile, privateKey);
        (await Cli("connector", "configure", "--store", _temp.Store, "--environment", "production", "--api-key", apiKey, "--private-key-file", keyFile,
            "--data-space", production, "--production-gateway", platform.Host.ProductionGatewayUrl.ToString())).Expect(ExitCodes.Ok);

        var refused = await Cli("connector", "use-data-space", "--store", _temp.Store, "--data-space", testing);
        var both = await Cli("connector", "use-data-space", "--store", _temp.Store, "--data-space", testing, "--carry-over", "--discard");
        var carried = await Cli("connector", "use-data-space", "--store", _temp.Store, "--data-space", testing, "--carry-over");

        refused.ExpectError(ExitCodes.Refused, ConnectorCodes.DataLossConfirmationRequired);
        both.ExpectError(ExitCodes.Usage, CliError.UsageErrorCode);
        carried.Expect(ExitCodes.Ok);
        Assert.Equal(testing, (await Cli("connector", "status", "--store", _temp.Store, "--json")).Expect(ExitCodes.Ok).Json["dataSpace"]!.GetValue<string>());
    }

    private static Task<CliRun> Cli(params string[] arguments) => CliRunner.RunAsync(arguments);

    /// <summary>A new account with a sandbox pair and a testing data space, configured into the store by the real CLI.</summary>
    private async Task<(string Account, string DataSpace)> ConfigureSandboxAsync()
    {
        var account = await platform.NewAccountAsync();
        var (apiKey, privateKey) = await platform.NewKeyAsync(account, GatewayEnvironment.Sandbox);
        var dataSpace = await platform.NewDataSpaceAsync(account, "testing");
        var keyFile = Path.Combine(_temp.Path, "sandbox.pem");
        await File.WriteAllTextAsync(keyFile, privateKey);
        (await Cli("connector", "configure", "--store", _temp.Store, "--environment", "sandbox", "--api-key", apiKey, "--private-key-file", keyFile,
            "--data-space", dataSpace, "--sandbox-gateway", platform.Host.SandboxGatewayUrl.ToString())).Expect(ExitCodes.Ok);
        return (account, dataSpace);
    }
}
