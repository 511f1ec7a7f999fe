using CommerceServices.Platform.Data;
using CommerceServices.Platform.Tests.Gateway;
using CommerceServices.Protocol;
using CommerceServices.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CommerceServices.Platform.Tests.Scaling;

/// <summary>A committed revocation always carries its notification to the other nodes (R23).</summary>
public sealed class KeyChangeNotificationTests
{
    [Fact]
    public async Task ARevocation_IsNotifiedInItsOwnTransaction_SoALostConnectionAfterTheCommitLosesNoNotification()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        var notified = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var otherNode = new NpgsqlConnection(database); // listens as any other node does
        otherNode.Notification += (_, e) => notified.TrySetResult(e.Payload);
        await otherNode.OpenAsync();
        await using (var listen = new NpgsqlCommand("LISTEN commerce_key_changes", otherNode))
        {
            await listen.ExecuteNonQueryAsync();
        }

        // Every connection the node opens apart from its database context's own goes to an address where nothing answers:
        // whatever is sent after the commit, on a connection of its own, never arrives — like a node killed right after
        // its commit, or a network that broke just then.
        var nowhere = new NpgsqlConnectionStringBuilder(database) { Port = PostgresServer.FreePort() }.ConnectionString;
        await using var host = await PlatformHost.StartAsync(StorageProvider.PostgreSql, connectionString: nowhere,
            services: s => s.PostConfigure<StorageOptions>(o => o.ConnectionString = database));
        var account = await GatewayFixture.CreateAccountAsync(host);
        var key = await GatewayFixture.CreateKeyAsync(host, account, GatewayEnvironment.Sandbox);

        using var revoked = await host.Management.DeleteAsync($"/api/v1/accounts/{account}/keys/{key.ApiKey}");
        revoked.EnsureSuccessStatusCode();

        var waiting = otherNode.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Same(notified.Task, await Task.WhenAny(notified.Task, Task.Delay(TimeSpan.FromSeconds(10))));
        Assert.Equal(key.ApiKey, await notified.Task);
        await waiting;
    }
}
