using System.Diagnostics;
using System.Net;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Tests.Gateway;
using CommerceServices.Protocol;
using CommerceServices.Testing;
using Xunit.Abstractions;

namespace CommerceServices.Platform.Tests.Scaling;

/// <summary>
/// Three platform processes on one PostgreSQL database. Their key caches are trusted for 5 minutes, so that only the
/// pushed notification (LISTEN/NOTIFY) can make another node refuse a revoked key in time.
/// </summary>
public sealed class ThreeNodeCluster : IAsyncLifetime
{
    public Nodes Nodes { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        Nodes = await Nodes.StartAsync(3, StorageProvider.PostgreSql, database, new Dictionary<string, string?>
        {
            ["Gateway:KeyCacheSeconds"] = "300",
        }, perNode: index => new Dictionary<string, string?>
        {
            // The third node writes last use rarely, so it writes an older time after the others wrote a newer one.
            ["Gateway:LastUseFlushSeconds"] = index == 2 ? "4" : "0.2",
        });
    }

    public async Task DisposeAsync() => await Nodes.DisposeAsync();
}

public sealed class CrossNodeRevocationTests(ThreeNodeCluster cluster, ITestOutputHelper output) : IClassFixture<ThreeNodeCluster>
{
    private Nodes Nodes => cluster.Nodes;

    [Fact]
    public async Task AKeyRevokedOrReplacedOnOneNode_IsRefusedByEveryNodeWithinOneSecond()
    {
        // 200 for the README's figure (COMMERCE_REVOCATIONS=200); fewer in the suite, on a machine shared with the other tests.
        var revocations = int.TryParse(Environment.GetEnvironmentVariable("COMMERCE_REVOCATIONS"), out var n) ? n : 60;
        var stopwatch = Stopwatch.StartNew();
        var accounts = new string[revocations];
        var keys = new TestKey[revocations];
        using (var gate = new SemaphoreSlim(4))
        {
            await Task.WhenAll(Enumerable.Range(0, revocations).Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    var node = Nodes[i % 3];
                    accounts[i] = await Nodes.CreateAccountAsync(node);
                    keys[i] = await Nodes.CreateKeyAsync(node, accounts[i], GatewayEnvironment.Sandbox);
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        var setUp = stopwatch.Elapsed;
        var tokens = keys.Select(k => k.Token()).ToArray();
        // Every node caches every key (and its verified token) before any is revoked.
        for (var i = 0; i < revocations; i++)
        {
            foreach (var node in Nodes.All)
            {
                using var warm = await Nodes.CallAsync(node, keys[i], HttpMethod.Get, "/merchant-registry/v1/ping", token: tokens[i]);
                Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
            }
        }

        var delays = new List<double>();
        for (var i = 0; i < revocations; i++)
        {
            var node = Nodes[i % 3];
            // Half are deleted, half replaced by a new pair: both retire the old key at once.
            using var change = i % 2 == 0
                ? await node.Management.DeleteAsync($"/api/v1/accounts/{accounts[i]}/keys/{keys[i].ApiKey}")
                : await node.Management.PostAsync($"/api/v1/accounts/{accounts[i]}/keys",
                    System.Net.Http.Json.JsonContent.Create(new { environment = "sandbox", publicKey = Nodes.NewPublicKey() }));
            Assert.True(change.IsSuccessStatusCode, $"revocation {i}: {change.StatusCode}");
            var clock = Stopwatch.StartNew();

            // Every node is asked at the same time, again and again, until it refuses the key.
            var revoked = keys[i];
            var token = tokens[i];
            var perNode = await Task.WhenAll(Nodes.All.Select(async other =>
            {
                while (true)
                {
                    using var response = await Nodes.CallAsync(other, revoked, HttpMethod.Get, "/merchant-registry/v1/ping", token: token);
                    if (response.StatusCode == HttpStatusCode.Unauthorized)
                    {
                        Assert.Equal(ProblemCodes.RevokedApiKey, await response.ProblemCodeAsync());
                        return clock.Elapsed.TotalMilliseconds;
                    }

                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "a revoked key still accepted after 30 s");
                }
            }));
            delays.Add(perNode.Max());
        }

        delays.Sort();
        var p99 = delays[Math.Max(0, (int)Math.Ceiling(delays.Count * 0.99) - 1)];
        var worst = delays[^1];
        var summary = $"{revocations} revocations across 3 nodes: until refused on every node, median {delays[delays.Count / 2]:0} ms, " +
                      $"p99 {p99:0} ms, worst {worst:0} ms (key cache trusted for 300 s); " +
                      $"set-up {setUp.TotalSeconds:0} s, whole test {stopwatch.Elapsed.TotalSeconds:0} s";
        output.WriteLine(summary);
        Measurements.Write("revocation", summary);
        // The bar is 1 s; the percentile carries it, and the worst case (one stall of a busy machine) has a wide margin
        // that still proves the push: without it a node would accept the key for the 300 s of its cache.
        Assert.True(p99 < 1000, summary);
        Assert.True(worst < 10_000, summary);
    }

    [Fact]
    public async Task AKeyRolledWithAGracePeriod_WorksOnEveryNodeUntilTheGraceEnds_ThenIsRefusedByAllWithoutANotification()
    {
        var account = await Nodes.CreateAccountAsync(Nodes[0]);
        var old = await Nodes.CreateKeyAsync(Nodes[0], account, GatewayEnvironment.Sandbox);
        var token = old.Token();
        foreach (var node in Nodes.All)
        {
            using var warm = await Nodes.CallAsync(node, old, HttpMethod.Get, "/merchant-registry/v1/ping", token: token);
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        await Nodes.CreateKeyAsync(Nodes[1], account, GatewayEnvironment.Sandbox, graceSeconds: 4);
        var graceEnds = DateTimeOffset.UtcNow.AddSeconds(4);
        await Task.Delay(300); // the roll's notification carries the new end of life to every node
        foreach (var node in Nodes.All)
        {
            using var during = await Nodes.CallAsync(node, old, HttpMethod.Get, "/merchant-registry/v1/ping", token: token);
            Assert.Equal(HttpStatusCode.OK, during.StatusCode);
        }

        // Nothing is notified when the grace ends: every node retires the key by its own clock.
        var wait = graceEnds - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(200);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        foreach (var node in Nodes.All)
        {
            using var after = await Nodes.CallAsync(node, old, HttpMethod.Get, "/merchant-registry/v1/ping", token: token);
            Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
            Assert.Equal(ProblemCodes.RevokedApiKey, await after.ProblemCodeAsync());
        }
    }

    [Fact]
    public async Task LastUseWrittenByManyNodes_NeverGoesBackwards()
    {
        var account = await Nodes.CreateAccountAsync(Nodes[0]);
        var key = await Nodes.CreateKeyAsync(Nodes[0], account, GatewayEnvironment.Sandbox);

        // The slow-flushing node sees the key first; the others a little over a second later, and write that first.
        using (var early = await Nodes.CallAsync(Nodes[2], key, HttpMethod.Get, "/merchant-registry/v1/ping"))
        {
            Assert.Equal(HttpStatusCode.OK, early.StatusCode);
        }

        await Task.Delay(TimeSpan.FromSeconds(1.1));
        var lateAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        foreach (var node in Nodes.All.Take(2))
        {
            using var late = await Nodes.CallAsync(node, key, HttpMethod.Get, "/merchant-registry/v1/ping");
            Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        }

        // Past the slow node's flush (4 s) too: its older time must not replace the newer one.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var listed = (await (await Nodes[1].Management.GetAsync($"/api/v1/accounts/{account}/keys")).ReadNodeAsync()).AsArray();
        var lastUsedAt = listed.Single(k => k!["apiKey"]!.GetValue<string>() == key.ApiKey)!["lastUsedAt"]!.GetValue<DateTimeOffset>();
        Assert.True(lastUsedAt >= lateAt, $"last use {lastUsedAt:O} went back before the later use at {lateAt:O}");
    }
}
