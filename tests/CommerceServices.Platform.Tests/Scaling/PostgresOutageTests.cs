using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Tests.Gateway;
using CommerceServices.Protocol;
using CommerceServices.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CommerceServices.Platform.Tests.Scaling;

/// <summary>Two nodes under load on a PostgreSQL server of the test's own, stopped and started again.</summary>
public sealed class PostgresOutageTests(ITestOutputHelper output)
{
    private const double KeyCacheSeconds = 2;

    [Fact]
    public async Task PostgresStoppedUnderLoad_Gives503WithRetryAfterNeverA401Or500_AndEveryNodeRecoversWithin5SecondsOfItsReturn()
    {
        await using var server = await PostgresServer.StartOwnAsync();
        await using var nodes = await Nodes.StartAsync(2, StorageProvider.PostgreSql, await server.CreateDatabaseAsync(),
            new Dictionary<string, string?> { ["Gateway:KeyCacheSeconds"] = KeyCacheSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var account = await Nodes.CreateAccountAsync(nodes[0]);
        var key = await Nodes.CreateKeyAsync(nodes[0], account, GatewayEnvironment.Sandbox);
        var token = key.Token();

        // Under load means warm: every node has served both kinds of call before the database goes.
        foreach (var node in nodes.All)
        {
            using var gatewayCall = await Nodes.CallAsync(node, key, HttpMethod.Get, "/merchant-registry/v1/registry", token: token);
            using var managementCall = await node.Management.GetAsync($"/api/v1/accounts/{account}");
            Assert.Equal(HttpStatusCode.OK, gatewayCall.StatusCode);
            Assert.Equal(HttpStatusCode.OK, managementCall.StatusCode);
        }

        var clock = Stopwatch.StartNew();
        var calls = new ConcurrentBag<Call>();
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            var node = nodes[worker % 2];
            var gateway = worker < 2;
            while (!stop.IsCancellationRequested)
            {
                var started = clock.Elapsed;
                using var response = gateway
                    ? await Nodes.CallAsync(node, key, HttpMethod.Get, "/merchant-registry/v1/registry", token: token)
                    : await node.Management.GetAsync($"/api/v1/accounts/{account}");
                var code = response.IsSuccessStatusCode ? null : await response.ProblemCodeAsync();
                calls.Add(new Call(gateway, started, clock.Elapsed, response.StatusCode, code, response.Headers.RetryAfter is not null));
                await Task.Delay(20);
            }
        })).ToList();

        await Task.Delay(TimeSpan.FromSeconds(2));
        var stoppedAt = clock.Elapsed;
        await server.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(KeyCacheSeconds * 2 + 4));

        // Liveness stays up; readiness says the database is gone (so a balancer takes the node out).
        using (var live = await Nodes.Client.GetAsync(new Uri(nodes[0].PortalUrl, "/healthz")))
        using (var ready = await Nodes.Client.GetAsync(new Uri(nodes[0].PortalUrl, "/readyz")))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }

        // PostgreSQL may accept connections a moment before its start command returns: the outage is known to last
        // only until the restart begins.
        var restartingAt = clock.Elapsed;
        await server.RestartAsync();
        var restartedAt = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(8));
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        using (var ready = await Nodes.Client.GetAsync(new Uri(nodes[1].PortalUrl, "/readyz")))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        var all = calls.OrderBy(c => c.Started).ToList();
        Assert.All(all, c => Assert.True(
            c.Status == HttpStatusCode.OK || (c.Status == HttpStatusCode.ServiceUnavailable && c.Code == ProblemCodes.StorageUnavailable && c.RetryAfter),
            $"{(c.Gateway ? "gateway" : "management")} call at {c.Started.TotalSeconds:0.0} s answered {(int)c.Status} {c.Code}"));
        Assert.All(all, c => Assert.True(c.Ended - c.Started < TimeSpan.FromSeconds(5),
            $"a call took {(c.Ended - c.Started).TotalSeconds:0.0} s"));

        var during = all.Where(c => c.Started > stoppedAt + TimeSpan.FromSeconds(0.5) && c.Ended < restartingAt).ToList();
        Assert.NotEmpty(during);
        Assert.All(during.Where(c => !c.Gateway), c => Assert.Equal(HttpStatusCode.ServiceUnavailable, c.Status));
        // Cached keys may answer a little longer, but not past their time limit: then the gateway fails closed.
        var closedFrom = stoppedAt + TimeSpan.FromSeconds(KeyCacheSeconds * 2 + 0.5);
        Assert.All(during.Where(c => c.Gateway && c.Started > closedFrom), c => Assert.Equal(HttpStatusCode.ServiceUnavailable, c.Status));

        var lastFailure = all.Where(c => c.Status != HttpStatusCode.OK).Max(c => c.Ended);
        var recovery = lastFailure - restartedAt;
        Assert.Contains(all, c => c.Started > lastFailure && c.Gateway);
        Assert.Contains(all, c => c.Started > lastFailure && !c.Gateway);
        var summary = $"PostgreSQL stopped under load: first 503 {(all.First(c => c.Status != HttpStatusCode.OK).Ended - stoppedAt).TotalSeconds:0.0} s " +
                      $"after the stop, slowest call {all.Max(c => c.Ended - c.Started).TotalSeconds:0.0} s; every node answering again " +
                      $"{Math.Max(0, recovery.TotalSeconds):0.0} s after PostgreSQL was back ({all.Count} calls, none 401 or 500)";
        output.WriteLine(summary);
        Measurements.Write("outage", summary);
        Assert.True(recovery < TimeSpan.FromSeconds(5), summary);
    }

    [Fact]
    public async Task Readiness_SaysNotReadyWhileAMigrationIsMissing_AndLivenessDoesNotAsk()
    {
        await using var host = await PlatformHost.StartAsync(StorageProvider.PostgreSql);
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var history = db.GetService<IHistoryRepository>();
        var last = (await db.Database.GetAppliedMigrationsAsync()).Max(StringComparer.Ordinal)!;
        await db.Database.ExecuteSqlRawAsync(history.GetDeleteScript(last));
        using var http = new HttpClient();

        using (var ready = await http.GetAsync(new Uri(host.PortalUrl, "/readyz")))
        using (var live = await http.GetAsync(new Uri(host.ProductionGatewayUrl, "/healthz")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        await db.Database.ExecuteSqlRawAsync(history.GetInsertScript(new HistoryRow(last, "10.0.0")));
        using var readyAgain = await http.GetAsync(new Uri(host.SandboxGatewayUrl, "/readyz"));
        Assert.Equal(HttpStatusCode.OK, readyAgain.StatusCode);
    }

    private sealed record Call(bool Gateway, TimeSpan Started, TimeSpan Ended, HttpStatusCode Status, string? Code, bool RetryAfter);
}
