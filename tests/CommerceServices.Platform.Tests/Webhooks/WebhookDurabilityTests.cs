using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Tests.Scaling;
using CommerceServices.Testing;
using static CommerceServices.Platform.Tests.Webhooks.WebhooksTestKit;

namespace CommerceServices.Platform.Tests.Webhooks;

/// <summary>
/// Deliveries are rows: the platform killed with SIGKILL while they are pending delivers all of them after its restart,
/// and two nodes on one PostgreSQL database share them; in neither case is one delivery sent twice at once.
/// </summary>
public sealed class WebhookDurabilityTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task ThePlatformKilledWithDeliveriesPending_DeliversThemAllAfterItsRestart_NoneTwiceAtOnce()
    {
        var folder = Directory.CreateTempSubdirectory("cs-webhook-kill-").FullName;
        var settings = FastSettings();
        settings["Webhooks:Timeout"] = "00:00:02"; // leases of 9 s: a delivery left by the killed process comes back that soon
        settings["Webhooks:Concurrency"] = "2";
        await using var receiver = await WebhookReceiver.StartAsync();
        // A slow receiver (2 deliveries a second): most of the 60 are still pending when the platform is killed.
        await receiver.SetBehaviourAsync(new ReceiverBehaviour(DelayMs: 1000));
        var platform = await PlatformProcess.StartAsync(folder, settings);
        const int Events = 60;
        string account, endpoint, secret;
        try
        {
            account = await CreateAccountAsync(platform.Management);
            (endpoint, secret) = await CreateEndpointAsync(platform.Management, account, receiver.Url);
            await receiver.SetSecretsAsync(secret);
            for (var i = 0; i < Events; i++)
            {
                await PostAsync(platform.Management, $"/api/v1/accounts/{account}/webhooks/{endpoint}/test");
            }

            await receiver.WaitForAsync(r => r.Count >= 8, Patience, "the first deliveries");
        }
        finally
        {
            await platform.KillAsync(); // SIGKILL, with most deliveries pending and some in flight
        }

        var beforeRestart = (await receiver.ReceivedAsync()).Select(r => r.Id).Distinct().Count();
        Assert.True(beforeRestart < Events, $"all {Events} were delivered before the kill; the test proves nothing");

        await using var restarted = await PlatformProcess.StartAsync(folder, settings);
        IReadOnlyList<ReceivedDelivery> received;
        try
        {
            received = await receiver.WaitForAsync(r => r.Select(x => x.Id).Distinct().Count() == Events, Patience, "every event after the restart");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nThe restarted platform said:\n{restarted.Output}", e);
        }

        Assert.DoesNotContain(received, r => r.Overlapped); // never two requests of one webhook-id at the same time
        Assert.All(received, r => Assert.Equal(0, r.VerifiedWith));
        // At least once: what was in flight at the kill may come again (receivers de-duplicate by webhook-id); nothing else does.
        var again = received.Count - Events;
        Assert.InRange(again, 0, 2);
        var deliveries = await EventuallyAsync(() => GetAsync(restarted.Management, $"/api/v1/accounts/{account}/webhooks/{endpoint}/deliveries?limit=500"),
            d => d.AsArray().All(x => x.Text("state") == "succeeded"), Patience, "every delivery recorded as succeeded");
        Assert.Equal(Events, deliveries.AsArray().Count);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task TwoNodesOnPostgreSql_ShareTheDeliveries_EachSentOnceAndNeverTwiceAtOnce()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        var settings = FastSettings();
        settings["Webhooks:BatchSize"] = "5";
        settings["Webhooks:Concurrency"] = "8";
        await using var nodes = await Nodes.StartAsync(2, StorageProvider.PostgreSql, connectionString, settings,
            i => new Dictionary<string, string?> { ["Webhooks:NodeName"] = $"node-{i}" });
        await using var receiver = await WebhookReceiver.StartAsync();
        await receiver.SetBehaviourAsync(new ReceiverBehaviour(DelayMs: 20));
        var account = await CreateAccountAsync(nodes[0].Management);
        var (endpoint, secret) = await CreateEndpointAsync(nodes[0].Management, account, receiver.Url);
        await receiver.SetSecretsAsync(secret);

        const int Events = 200;
        // Eight at a time: the test is about sending them, not about how many requests the nodes take at once.
        using var gate = new SemaphoreSlim(8);
        await Task.WhenAll(Enumerable.Range(0, Events).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                await PostAsync(nodes[i % 2].Management, $"/api/v1/accounts/{account}/webhooks/{endpoint}/test");
            }
            finally
            {
                gate.Release();
            }
        }));
        IReadOnlyList<ReceivedDelivery> received;
        try
        {
            received = await receiver.WaitForAsync(r => r.Select(x => x.Id).Distinct().Count() == Events, Patience, "every event");
        }
        catch (TimeoutException e)
        {
            var deliveries = (await GetAsync(nodes[0].Management, $"/api/v1/accounts/{account}/webhooks/{endpoint}/deliveries?limit=500")).AsArray();
            throw new TimeoutException($"{e.Message}\nNot succeeded: {string.Join("\n", deliveries.Where(d => d.Text("state") != "succeeded").Select(d => d!.ToJsonString()))}" +
                                       $"\nNode 0:\n{nodes[0].Output}\nNode 1:\n{nodes[1].Output}", e);
        }

        Assert.Equal(Events, received.Count); // no delivery sent twice
        Assert.DoesNotContain(received, r => r.Overlapped);
        Assert.All(received, r => Assert.Equal(0, r.VerifiedWith));
        var attempts = (await GetAsync(nodes[1].Management, $"/api/v1/accounts/{account}/webhooks/{endpoint}/attempts?limit=500")).AsArray();
        var byNode = attempts.GroupBy(a => a.Text("node")).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(["node-0", "node-1"], byNode.Keys.Order());
        Assert.All(byNode.Values, count => Assert.True(count >= Events / 10, $"one node sent only {count} of {Events}: {string.Join(", ", byNode)}"));
    }

    private static async Task<string> CreateAccountAsync(HttpClient management)
    {
        var response = await management.PostAsJsonAsync("/api/v1/accounts", new { email = $"hooks-{Guid.NewGuid():N}@example.com" });
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.Text("id");
    }
}
