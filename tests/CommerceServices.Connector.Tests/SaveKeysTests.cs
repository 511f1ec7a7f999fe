using CommerceServices.Protocol;

namespace CommerceServices.Connector.Tests;

/// <summary>
/// <see cref="CommerceServicesConnector.SaveKeysAsync"/>: the keys of the environment the instance does not run in are
/// checked by their own gateway and stored, while the instance stays where it is.
/// </summary>
public sealed class SaveKeysTests(ConnectorFixture platform) : IClassFixture<ConnectorFixture>, IDisposable
{
    private readonly TempStore _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task TheOtherEnvironmentsKeys_AreCheckedAndStored_TheInstanceStaysOnItsEnvironmentAndDataSpace()
    {
        var account = await platform.NewAccountAsync();
        var (sandboxKey, sandboxPem) = await platform.NewKeyAsync(account, GatewayEnvironment.Sandbox);
        var (productionKey, productionPem) = await platform.NewKeyAsync(account, GatewayEnvironment.Production);
        var dataSpace = await platform.NewDataSpaceAsync(account, "testing");
        await using var test = platform.NewConnector(_temp.Store);
        Assert.True((await test.Connector.ConfigureAsync(new ConnectorChange
            { Environment = GatewayEnvironment.Sandbox, ApiKey = sandboxKey, PrivateKeyPem = sandboxPem, DataSpaceId = dataSpace })).Success);
        var before = test.Connector.Settings;

        var saved = await test.Connector.SaveKeysAsync(GatewayEnvironment.Production, productionKey, productionPem);

        Assert.True(saved.Success, saved.Message);
        var after = test.Connector.Settings;
        Assert.Equal(GatewayEnvironment.Sandbox, test.Connector.State.EnvironmentOf(after));
        Assert.Equal((before.DataSpaceId, before.ProjectId, before.Sandbox), (after.DataSpaceId, after.ProjectId, after.Sandbox));
        Assert.Equal(productionKey, after.Production!.ApiKey);
        Assert.Equal(ConnectionState.Verified, (await test.Connector.GetStatusAsync()).State);
        Assert.Equal(before.InstanceId, (await platform.DataSpaceAsync(account, dataSpace))["instanceId"]!.GetValue<string>());
    }

    [Fact]
    public async Task KeysTheirGatewayRefuses_AreNotStored()
    {
        var account = await platform.NewAccountAsync();
        var (sandboxKey, sandboxPem) = await platform.NewKeyAsync(account, GatewayEnvironment.Sandbox);
        var (productionKey, _) = await platform.NewKeyAsync(account, GatewayEnvironment.Production);
        var (_, otherPem) = await platform.NewKeyAsync(await platform.NewAccountAsync(), GatewayEnvironment.Production);
        await using var test = platform.NewConnector(_temp.Store);
        Assert.True((await test.Connector.ConfigureAsync(new ConnectorChange
            { Environment = GatewayEnvironment.Sandbox, ApiKey = sandboxKey, PrivateKeyPem = sandboxPem })).Success);

        var wrongPair = await test.Connector.SaveKeysAsync(GatewayEnvironment.Production, productionKey, otherPem);
        var wrongField = await test.Connector.SaveKeysAsync(GatewayEnvironment.Production, sandboxKey, sandboxPem);

        Assert.Equal(ProblemCodes.InvalidSignature, wrongPair.Code);
        Assert.Equal(ProblemCodes.EnvironmentMismatch, wrongField.Code);
        Assert.True(wrongField.Offline);
        Assert.Null(test.Connector.Settings.Production);
        Assert.Equal(GatewayEnvironment.Sandbox, test.Connector.State.EnvironmentOf(test.Connector.Settings));
    }
}
