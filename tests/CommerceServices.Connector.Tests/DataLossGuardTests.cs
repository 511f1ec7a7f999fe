using System.Net.Http.Json;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Registry;
using CommerceServices.Testing;

namespace CommerceServices.Connector.Tests;

/// <summary>
/// R12 and R18: a production instance is never moved away from the data space holding its data by accident. Without a
/// choice the move is refused and says what would be lost; carry-over copies then binds; discard binds without copying.
/// </summary>
public sealed class DataLossGuardTests(ConnectorFixture platform) : IClassFixture<ConnectorFixture>, IDisposable
{
    private readonly TempStore _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task MovingAProductionInstance_WithoutAChoice_IsRefused_AndSaysWhatWouldBeLost()
    {
        var (test, account, production, testing) = await ProductionInstanceWithPaymentsAsync(3);
        await using var _ = test;

        var moved = await test.Connector.UseDataSpaceAsync(testing);

        Assert.Equal(ConnectorCodes.DataLossConfirmationRequired, moved.Code);
        Assert.Equal([new Holding("payments", 3, "payments", "payment", "3 payments", "Payment Services")], moved.WouldLose);
        Assert.Contains("which holds 3 payments.", moved.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("items", moved.Message, StringComparison.Ordinal);
        Assert.Contains($"commerce-services connector use-data-space --store {test.Connector.State.Store.Directory} --data-space {testing} --carry-over",
            moved.Message, StringComparison.Ordinal);
        Assert.Contains("--discard", moved.Message, StringComparison.Ordinal);
        Assert.Equal(production, test.Connector.Settings.DataSpaceId);
        Assert.Equal(test.Connector.Settings.InstanceId, (await platform.DataSpaceAsync(account, production))["instanceId"]!.GetValue<string>());
        Assert.Null((await platform.DataSpaceAsync(account, testing))["instanceId"]?.GetValue<string>());
    }

    [Fact]
    public async Task MovingAProductionInstance_WithNewKeysToo_IsRefused()
    {
        var (test, account, production, testing) = await ProductionInstanceWithPaymentsAsync(1);
        await using var _ = test;
        var (apiKey, privateKey) = await platform.NewKeyAsync(account, GatewayEnvironment.Production);

        var moved = await test.Connector.ConfigureAsync(new ConnectorChange
            { Environment = GatewayEnvironment.Production, ApiKey = apiKey, PrivateKeyPem = privateKey, DataSpaceId = testing });

        Assert.Equal(ConnectorCodes.DataLossConfirmationRequired, moved.Code);
        Assert.Contains("with new keys", moved.Message, StringComparison.Ordinal);
        Assert.Equal(production, test.Connector.Settings.DataSpaceId);
        Assert.NotEqual(apiKey, test.Connector.Settings.Production!.ApiKey);
    }

    [Fact]
    public async Task CarryOver_CopiesTheDataIntoTheNewDataSpace_ThenBindsIt_AndReleasesTheOld()
    {
        var (test, account, production, testing) = await ProductionInstanceWithPaymentsAsync(3);
        await using var _ = test;

        var moved = await test.Connector.UseDataSpaceAsync(testing, DataSpaceMove.CarryOver);

        Assert.True(moved.Success, moved.Message);
        Assert.Equal([new Holding("payments", 3, "items", "item", Name: "Payment Services")], moved.Copied);
        Assert.Contains("Carried over from", moved.Message, StringComparison.Ordinal);
        Assert.Contains(": Payment Services 3 copied.", moved.Message, StringComparison.Ordinal);
        Assert.Equal(testing, test.Connector.Settings.DataSpaceId);
        var target = await platform.DataSpaceAsync(account, testing);
        Assert.Equal(test.Connector.Settings.InstanceId, target["instanceId"]!.GetValue<string>());
        Assert.Equal(3, target["holdings"]!.AsArray().Single(h => h!["service"]!.GetValue<string>() == "payments")!["items"]!.GetValue<int>());
        Assert.Null((await platform.DataSpaceAsync(account, production))["instanceId"]?.GetValue<string>());
        Assert.Equal(ConnectionState.Verified, (await test.Connector.GetStatusAsync()).State);
    }

    [Fact]
    public async Task CarryOver_IntoADataSpaceBoundToAnotherInstance_IsRefused_AndCopiesNothingIntoIt()
    {
        var (test, account, production, testing) = await ProductionInstanceWithPaymentsAsync(3);
        await using var _ = test;
        using var otherStore = new TempStore();
        await using var other = platform.NewConnector(otherStore.Store, GatewayEnvironments.ProductionName);
        var keys = test.Connector.Settings.Production!; // one pair may serve several instances (R13)
        Assert.True((await other.Connector.ConfigureAsync(new ConnectorChange
            { Environment = GatewayEnvironment.Production, ApiKey = keys.ApiKey, PrivateKeyPem = keys.PrivateKeyPem, DataSpaceId = testing })).Success);

        var moved = await test.Connector.UseDataSpaceAsync(testing, DataSpaceMove.CarryOver);

        Assert.Equal(ProblemCodes.DataSpaceBoundElsewhere, moved.Code);
        Assert.Contains("nothing was saved", moved.Message, StringComparison.Ordinal);
        var target = await platform.DataSpaceAsync(account, testing);
        Assert.Equal(other.Connector.Settings.InstanceId, target["instanceId"]!.GetValue<string>());
        Assert.DoesNotContain(target["holdings"]!.AsArray(), h => h!["items"]!.GetValue<int>() > 0);
        Assert.Equal(production, test.Connector.Settings.DataSpaceId);
        Assert.Equal(test.Connector.Settings.InstanceId, (await platform.DataSpaceAsync(account, production))["instanceId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Discard_BindsTheNewDataSpace_WithoutCopying()
    {
        var (test, account, production, testing) = await ProductionInstanceWithPaymentsAsync(2);
        await using var _ = test;

        var moved = await test.Connector.UseDataSpaceAsync(testing, DataSpaceMove.Discard);

        Assert.True(moved.Success, moved.Message);
        Assert.Empty(moved.Copied);
        Assert.Equal(testing, test.Connector.Settings.DataSpaceId);
        var target = await platform.DataSpaceAsync(account, testing);
        Assert.Equal(test.Connector.Settings.InstanceId, target["instanceId"]!.GetValue<string>());
        Assert.DoesNotContain(target["holdings"]!.AsArray(), h => h!["items"]!.GetValue<int>() > 0);
        // The old data is left where it was, not deleted.
        Assert.Equal(2, (await platform.DataSpaceAsync(account, production))["holdings"]!.AsArray()
            .Single(h => h!["service"]!.GetValue<string>() == "payments")!["items"]!.GetValue<int>());
    }

    [Fact]
    public async Task MovingASandboxInstance_NeedsNoConfirmation()
    {
        var account = await platform.NewAccountAsync();
        var (apiKey, privateKey) = await platform.NewKeyAsync(account, GatewayEnvironment.Sandbox);
        var first = await platform.NewDataSpaceAsync(account, "testing");
        var second = await platform.NewDataSpaceAsync(account, "testing");
        await using var test = platform.NewConnector(_temp.Store);
        Assert.True((await test.Connector.ConfigureAsync(new ConnectorChange
            { Environment = GatewayEnvironment.Sandbox, ApiKey = apiKey, PrivateKeyPem = privateKey, DataSpaceId = first })).Success);

        var moved = await test.Connector.UseDataSpaceAsync(second);

        Assert.True(moved.Success, moved.Message);
        Assert.Equal(second, test.Connector.Settings.DataSpaceId);
        Assert.Null((await platform.DataSpaceAsync(account, first))["instanceId"]?.GetValue<string>());
    }

    /// <summary>A production instance bound to the production data space, with <paramref name="payments"/> payments in it.</summary>
    private async Task<(TestConnector Test, string Account, string Production, string Testing)> ProductionInstanceWithPaymentsAsync(int payments)
    {
        var account = await platform.NewAccountAsync();
        var (apiKey, privateKey) = await platform.NewKeyAsync(account, GatewayEnvironment.Production);
        var production = await platform.NewDataSpaceAsync(account, "production");
        var testing = await platform.NewDataSpaceAsync(account, "testing");
        var test = platform.NewConnector(_temp.Store, GatewayEnvironments.ProductionName);
        var saved = await test.Connector.ConfigureAsync(new ConnectorChange
            { Environment = GatewayEnvironment.Production, ApiKey = apiKey, PrivateKeyPem = privateKey, DataSpaceId = production });
        Assert.True(saved.Success, saved.Message);

        // Payments made the way the shop makes them: through the signed client, into the stored data space.
        var client = test.SignedClient;
        for (var i = 0; i < payments; i++)
        {
            using var response = await client.PostAsJsonAsync(new Uri(platform.Host.ProductionGatewayUrl, "payments/v1/payments"),
                new { reference = $"order-{i}", amount = 1000 + i, currency = "EUR", card = new { number = "4539578763621486", expMonth = 12, expYear = 2034, cvc = "123" } });
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }

        return (test, account, production, testing);
    }
}
