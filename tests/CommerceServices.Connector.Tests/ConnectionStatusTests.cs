using System.Net.Http.Json;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;
using CommerceServices.Testing;

namespace CommerceServices.Connector.Tests;

/// <summary>The connector's status against a real platform (R2, R10, R21): verified, and each reason it is not.</summary>
public sealed class ConnectionStatusTests(ConnectorFixture platform) : IClassFixture<ConnectorFixture>, IDisposable
{
    private readonly TempStore _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task AnEmptyStore_IsNotConfigured_AndSaysExactlyWhatIsMissing()
    {
        await using var test = platform.NewConnector(_temp.Store, GatewayEnvironments.ProductionName);

        var status = await test.Connector.GetStatusAsync();

        Assert.Equal(ConnectionState.NotConfigured, status.State);
        Assert.Equal(["production API key", "production private key", "project", "data space"], status.Missing);
        Assert.Contains("production API key", status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysWithoutADataSpace_AreNotConfigured_AndOnlyTheSaasIdentifierIsMissing()
    {
        var account = await platform.NewAccountAsync();
        var (apiKey, privateKey) = await platform.NewKeyAsync(account, GatewayEnvironment.Sandbox);
        await using var test = platform.NewConnector(_temp.Store);

        var saved = await test.Connector.ConfigureAsync(new ConnectorChange
            { Environment = GatewayEnvironment.Sandbox, ApiKey = apiKey, PrivateKeyPem = privateKey });
        var status = await test.Connector.GetStatusAsync();

        Assert.True(saved.Success, saved.Message);
        Assert.Equal(ConnectionState.NotConfigured, status.State);
        Assert.Equal(["project", "data space"], status.Missing);
        // Where the merchant is: the gateway accepted the keys, the data space is the one step left.
        Assert.True(status.KeysAccepted);
        Assert.Equal(account, status.AccountId);
        Assert.Contains("key pair works", status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfiguringKeysAndADataSpace_IsVerified_AndBindsTheDataSpaceToThisInstance()
    {
        var account = await platform.NewAccountAsync();
        var (apiKey, privateKey) = await platform.NewKeyAsync(account, GatewayEnvironment.Sandbox);
        var dataSpace = await platform.NewDataSpaceAsync(account, "testing");
        await using var test = platform.NewConnector(_temp.Store);

        var saved = await test.Connector.ConfigureAsync(new ConnectorChange
            { Environment = GatewayEnvironment.Sandbox, ApiKey = apiKey, PrivateKeyPem = privateKey, DataSpaceId = dataSpace });
        var status = await test.Connector.GetStatusAsync();

        Assert.True(saved.Success, saved.Message);
        Assert.Equal(ConnectionState.Verified, status.State);
        Assert.Null(status.Code);
        Assert.Equal(account, status.AccountId);
        Assert.Equal(await platform.DefaultProjectAsync(account), status.ProjectId);
        Assert.Equal(test.Connector.Settings.InstanceId, (await platform.DataSpaceAsync(account, dataSpace))["instanceId"]!.GetValue<string>());
    }

    [Fact]
    public async Task TheVerifiedStatus_IsLoggedAsOneWord_WithNoEmptyCodeBesideIt()
    {
        var account = await platform.NewAccountAsync();
        var (apiKey, privateKey) = await platform.NewKeyAsync(account, GatewayEnvironment.Sandbox);
        var dataSpace = await platform.NewDataSpaceAsync(account, "testing");
        await using var test = platform.NewConnector(_temp.Store);
        await test.Connector.ConfigureAsync(new ConnectorChange
            { Environment = GatewayEnvironment.Sandbox, ApiKey = apiKey, PrivateKeyPem = privateKey, DataSpaceId = dataSpace });

        Assert.True((await test.Connector.GetStatusAsync()).IsVerified);

        var lines = test.Logs.Lines.Where(l => l.Contains("Connector status: verified", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.EndsWith("Connector status: verified for sandbox", line, StringComparison.Ordinal));
        // The connector's own lines (the resilience library's telemetry writes "(null)" for an operation key it was not given).
        Assert.All(test.Logs.Lines.Where(l => l.Contains("Connector status", StringComparison.Ordinal)),
            line => Assert.DoesNotContain("(null)", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task APkcs1KeyPastedOnOneLine_IsRepaired_AndVerified()
    {
        var account = await platform.NewAccountAsync();
        var (apiKey, privateKey) = await platform.NewKeyAsync(account, GatewayEnvironment.Sandbox);
        using var rsa = System.Security.Cryptography.RSA.Create();
        rsa.ImportFromPem(privateKey);
        var pastedPkcs1 = rsa.ExportRSAPrivateKeyPem().Replace("\n", " ", StringComparison.Ordinal);
        var dataSpace = await platform.NewDataSpaceAsync(account, "testing");
        await using var test = platform.NewConnector(_temp.Store);

        var saved = await test.Connector.ConfigureAsync(new ConnectorChange
            { Environment = GatewayEnvironment.Sandbox, ApiKey = apiKey, PrivateKeyPem = pastedPkcs1, DataSpaceId = dataSpace });

        Assert.True(saved.Success, saved.Message);
        Assert.Equal(ConnectionState.Verified, (await test.Connector.GetStatusAsync()).State);
    }

    [Fact]
    public async Task AnUnknownApiKey_IsRefusedWithUnknownApiKey_AtSaveAndInTheStatus()
    {
        var account = await platform.NewAccountAsync();
        var dataSpace = await platform.NewDataSpaceAsync(account, "testing");
        using var rsa = RsaPem.CreateKey();
        var unknown = new EnvironmentKeys(ApiKeyFormat.Generate(GatewayEnvironment.Sandbox), rsa.ExportPkcs8PrivateKeyPem());
        await using var test = platform.NewConnector(_temp.Store);

        var saved = await test.Connector.ConfigureAsync(new ConnectorChange
            { Environment = GatewayEnvironment.Sandbox, ApiKey = unknown.ApiKey, PrivateKeyPem = unknown.PrivateKeyPem, DataSpaceId = dataSpace });
        Assert.Equal(ProblemCodes.UnknownApiKey, saved.Code);
        Assert.Null(test.Connector.Settings.Sandbox); // nothing was saved

        // Keys that were saved some other way (an older version, a copied store) are diagnosed the same way.
        test.Connector.State.Save(test.Connector.Settings with { Sandbox = unknown, ProjectId = "p", DataSpaceId = dataSpace });
        var status = await test.Connector.GetStatusAsync();
        Assert.Equal(ConnectionState.Refused, status.State);
        Assert.Equal(ProblemCodes.UnknownApiKey, status.Code);
    }

    [Fact]
    public async Task ARevokedKey_IsRefusedWithRevokedApiKey()
    {
        var (test, account, apiKey, _) = await ConfiguredAsync(GatewayEnvironment.Sandbox, "testing");
        await using var _ = test;
        Assert.Equal(ConnectionState.Verified, (await test.Connector.GetStatusAsync()).State);

        await platform.RevokeKeyAsync(account, apiKey);
        var status = await test.Connector.GetStatusAsync();

        Assert.Equal(ConnectionState.Refused, status.State);
        Assert.Equal(ProblemCodes.RevokedApiKey, status.Code);
    }

    [Fact]
    public async Task APrivateKeyOfAnotherPair_IsRefusedWithInvalidSignature()
    {
        var account = await platform.NewAccountAsync();
        var (apiKey, _) = await platform.NewKeyAsync(account, GatewayEnvironment.Sandbox);
        using var other = RsaPem.CreateKey();
        var dataSpace = await platform.NewDataSpaceAsync(account, "testing");
        await using var test = platform.NewConnector(_temp.Store);

        var saved = await test.Connector.ConfigureAsync(new ConnectorChange
            { Environment = GatewayEnvironment.Sandbox, ApiKey = apiKey, PrivateKeyPem = other.ExportPkcs8PrivateKeyPem(), DataSpaceId = dataSpace });
        test.Connector.State.Save(test.Connector.Settings with
            { Sandbox = new EnvironmentKeys(apiKey, other.ExportPkcs8PrivateKeyPem()), ProjectId = "p", DataSpaceId = dataSpace });
        var status = await test.Connector.GetStatusAsync();

        Assert.Equal(ProblemCodes.InvalidSignature, saved.Code);
        Assert.Equal(ConnectionState.Refused, status.State);
        Assert.Equal(ProblemCodes.InvalidSignature, status.Code);
    }

    [Fact]
    public async Task AProductionKeySentToTheSandboxGateway_IsRefusedWithEnvironmentMismatch_AndNamesTheWrongUrl()
    {
        var (test, _, _, _) = await ConfiguredAsync(GatewayEnvironment.Production, "production");
        await using var _ = test;
        test.Connector.State.Save(test.Connector.Settings with { ProductionGatewayUrl = platform.Host.SandboxGatewayUrl });

        var status = await test.Connector.GetStatusAsync();

        Assert.Equal(ConnectionState.Refused, status.State);
        Assert.Equal(ProblemCodes.EnvironmentMismatch, status.Code);
        Assert.Contains("is the sandbox gateway", status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASandboxKeyInTheProductionField_IsRefusedAtSave_WithoutAskingThePlatform()
    {
        using var rsa = RsaPem.CreateKey();
        // Gateways on a closed port: a refusal here can only come from the offline check.
        var closed = new Uri($"http://127.0.0.1:{PostgresServer.FreePort()}");
        await using var test = TestConnector.Create(_temp.Store, closed, closed);

        var saved = await test.Connector.ConfigureAsync(new ConnectorChange
        {
            Environment = GatewayEnvironment.Production, ApiKey = ApiKeyFormat.Generate(GatewayEnvironment.Sandbox),
            PrivateKeyPem = rsa.ExportPkcs8PrivateKeyPem(),
        });

        Assert.Equal(ProblemCodes.EnvironmentMismatch, saved.Code);
        Assert.True(saved.Offline);
        Assert.Contains("This is a sandbox API key", saved.Message, StringComparison.Ordinal);
        Assert.Contains("production", saved.Message, StringComparison.Ordinal);
        Assert.Null(test.Connector.Settings.Production);
    }

    [Fact]
    public async Task AGatewayThatCannotBeReached_IsUnreachable_NotRefused()
    {
        var (test, _, _, _) = await ConfiguredAsync(GatewayEnvironment.Sandbox, "testing");
        await using var _ = test;
        test.Connector.State.Save(test.Connector.Settings with { SandboxGatewayUrl = new Uri($"http://127.0.0.1:{PostgresServer.FreePort()}") });

        var status = await test.Connector.GetStatusAsync();

        Assert.Equal(ConnectionState.Unreachable, status.State);
        Assert.Equal(ConnectorCodes.PlatformUnreachable, status.Code);
        Assert.Contains("could not be reached", status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClockTenMinutesAhead_IsReportedAsClockSkew_WithTheOffset()
    {
        var (configured, _, _, _) = await ConfiguredAsync(GatewayEnvironment.Sandbox, "testing");
        await configured.DisposeAsync();
        await using var skewed = platform.NewConnector(_temp.Store, time: new ShiftedTimeProvider(TimeSpan.FromMinutes(10)));

        var status = await skewed.Connector.GetStatusAsync();

        Assert.Equal(ConnectionState.Refused, status.State);
        Assert.Equal(ConnectorCodes.ClockSkew, status.Code);
        Assert.InRange(status.ClockOffset!.Value.TotalSeconds, -610, -590);
        Assert.Contains("seconds ahead of the gateway's", status.Message, StringComparison.Ordinal);
        Assert.Contains(ProblemCodes.TokenNotYetValid, status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADataSpaceBoundToAnotherInstance_IsRefusedAtSave_WithDataSpaceBoundElsewhere()
    {
        var (first, account, apiKey, privateKey) = await ConfiguredAsync(GatewayEnvironment.Sandbox, "testing");
        await using var _ = first;
        using var otherStore = new TempStore();
        await using var second = platform.NewConnector(otherStore.Store);

        var saved = await second.Connector.ConfigureAsync(new ConnectorChange
        {
            Environment = GatewayEnvironment.Sandbox, ApiKey = apiKey, PrivateKeyPem = privateKey, DataSpaceId = first.Connector.Settings.DataSpaceId,
        });

        Assert.Equal(ProblemCodes.DataSpaceBoundElsewhere, saved.Code);
        Assert.NotEqual(first.Connector.Settings.InstanceId, second.Connector.Settings.InstanceId);
        Assert.Equal(first.Connector.Settings.InstanceId,
            (await platform.DataSpaceAsync(account, first.Connector.Settings.DataSpaceId!))["instanceId"]!.GetValue<string>());
    }

    [Fact]
    public async Task TheRegistry_ListsTheAccountsProjectsAndDataSpaces()
    {
        var (test, account, _, _) = await ConfiguredAsync(GatewayEnvironment.Sandbox, "testing");
        await using var _ = test;

        var projects = await test.Connector.ListProjectsAsync();

        Assert.True(projects.Success, projects.Failure?.Message);
        var project = Assert.Single(projects.Value!);
        Assert.Equal(await platform.DefaultProjectAsync(account), project.Id);
        var dataSpace = Assert.Single(project.DataSpaces);
        Assert.Equal(test.Connector.Settings.InstanceId, dataSpace.InstanceId);
    }

    [Fact]
    public async Task TheRegistry_FromItsFlatListing_StillShowsAProjectWithNoDataSpace()
    {
        var (test, account, _, _) = await ConfiguredAsync(GatewayEnvironment.Sandbox, "testing");
        await using var _ = test;
        var created = await platform.Host.Management.PostAsJsonAsync($"/api/v1/accounts/{account}/projects", new { name = "Not used yet" });
        var empty = (await created.ReadNodeAsync())["id"]!.GetValue<string>();

        var projects = await test.Connector.ListProjectsAsync();

        Assert.True(projects.Success, projects.Failure?.Message);
        Assert.Equal([await platform.DefaultProjectAsync(account), empty], projects.Value!.Select(p => p.Id));
        Assert.Single(projects.Value![0].DataSpaces);
        Assert.Equal("Not used yet", projects.Value[1].Name);
        Assert.Empty(projects.Value[1].DataSpaces);
    }

    private async Task<(TestConnector Test, string Account, string ApiKey, string PrivateKey)> ConfiguredAsync(
        GatewayEnvironment environment, string dataSpaceType)
    {
        var account = await platform.NewAccountAsync();
        var (apiKey, privateKey) = await platform.NewKeyAsync(account, environment);
        var dataSpace = await platform.NewDataSpaceAsync(account, dataSpaceType);
        var test = platform.NewConnector(_temp.Store);
        var saved = await test.Connector.ConfigureAsync(new ConnectorChange
            { Environment = environment, ApiKey = apiKey, PrivateKeyPem = privateKey, DataSpaceId = dataSpace });
        Assert.True(saved.Success, saved.Message);
        return (test, account, apiKey, privateKey);
    }
}
