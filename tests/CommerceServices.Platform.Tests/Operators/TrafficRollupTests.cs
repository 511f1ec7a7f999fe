using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Observability;
using CommerceServices.Platform.Tests.Data;
using CommerceServices.Platform.Tests.Gateway;
using CommerceServices.Platform.Traffic;
using CommerceServices.Protocol;
using CommerceServices.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommerceServices.Platform.Tests.Operators;

/// <summary>The gateway's per-minute rollups: counted by outcome, written in batches, kept bounded.</summary>
public sealed class TrafficRollupTests
{
    [Fact]
    public async Task GatewayCalls_AreCountedByOutcome_AndWrittenInAFewStatements_NotOnePerCall()
    {
        var probe = new DatabaseProbe { Counts = sql => sql.Contains("INSERT INTO \"Traffic", StringComparison.Ordinal) };
        await using var host = await PlatformHost.StartAsync(StorageProvider.Sqlite,
            new Dictionary<string, string?> { ["Traffic:FlushInterval"] = "00:01:00", ["FailureThrottle:Burst"] = "1000" },
            services: probe.AddTo);
        var accountId = await GatewayFixture.CreateAccountAsync(host);
        var key = await GatewayFixture.CreateKeyAsync(host, accountId, GatewayEnvironment.Sandbox);
        var stranger = await GatewayFixture.CreateKeyAsync(host, await GatewayFixture.CreateAccountAsync(host), GatewayEnvironment.Sandbox);

        for (var i = 0; i < 20; i++)
        {
            using var ok = await GatewayFixture.SendSignedAsync(host, key, HttpMethod.Get, "/merchant-registry/v1/ping");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        var forged = key with { PrivateKey = stranger.PrivateKey };
        for (var i = 0; i < 7; i++)
        {
            using var refused = await GatewayFixture.SendSignedAsync(host, forged, HttpMethod.Get, "/merchant-registry/v1/ping");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using var notEntitled = await GatewayFixture.SendSignedAsync(host, key, HttpMethod.Get, "/payments/v1/payments");
        Assert.Equal(HttpStatusCode.Forbidden, notEntitled.StatusCode);

        var before = probe.Count;
        await host.Services.GetRequiredService<TrafficRecorder>().FlushAsync(CancellationToken.None);
        Assert.Equal(2, probe.Count - before); // one multi-row upsert per table for 28 calls

        var traffic = (await host.Management.GetFromJsonAsync<JsonObject>("/api/v1/traffic?hours=1"))!;
        var totals = traffic["series"]!.AsArray().GroupBy(p => p!["outcome"]!.GetValue<string>())
            .ToDictionary(g => g.Key, g => g.Sum(p => p!["count"]!.GetValue<long>()));
        Assert.Equal(20, totals[TrafficOutcomes.Accepted]);
        Assert.Equal(7, totals[ProblemCodes.InvalidSignature]);
        Assert.Equal(1, totals[ProblemCodes.NotEntitled]);
        var topKey = traffic["topKeys"]!.AsArray()[0]!;
        Assert.Equal(key.ApiKey, topKey["apiKey"]!.GetValue<string>());
        Assert.Equal(accountId, topKey["accountId"]!.GetValue<string>());
        Assert.Equal(8, topKey["count"]!.GetValue<long>());

        // A second flush with nothing new writes nothing.
        before = probe.Count;
        await host.Services.GetRequiredService<TrafficRecorder>().FlushAsync(CancellationToken.None);
        Assert.Equal(before, probe.Count);
    }

    [Fact]
    public async Task AnAcceptedGatewayCall_IsCountedOnceInTheRequestMetric()
    {
        await using var host = await PlatformHost.StartAsync();
        var key = await GatewayFixture.CreateKeyAsync(host, await GatewayFixture.CreateAccountAsync(host), GatewayEnvironment.Sandbox);
        long accepted = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PlatformMetrics.MeterName && instrument.Name == "commerce.gateway.requests")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "outcome", Value: "ok" })
                {
                    Interlocked.Add(ref accepted, value);
                }
            }
        });
        listener.Start();

        for (var i = 0; i < 3; i++)
        {
            using var ok = await GatewayFixture.SendSignedAsync(host, key, HttpMethod.Get, "/merchant-registry/v1/ping");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        Assert.Equal(3, Interlocked.Read(ref accepted));
    }

    [Fact]
    public async Task RollupsOlderThanTheRetention_AreDeleted()
    {
        await using var host = await PlatformHost.StartAsync(settings: new Dictionary<string, string?> { ["Traffic:RetentionDays"] = "30" });
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            var old = DateTimeOffset.UtcNow.AddDays(-31);
            var recent = DateTimeOffset.UtcNow.AddDays(-29);
            db.Set<TrafficMinute>().AddRange(
                new TrafficMinute { Minute = old, Environment = "sandbox", Service = "payments", Outcome = "accepted", Count = 1 },
                new TrafficMinute { Minute = recent, Environment = "sandbox", Service = "payments", Outcome = "accepted", Count = 1 });
            db.Set<TrafficRefusal>().Add(new TrafficRefusal { Minute = old, ApiKey = "(no valid key)", Outcome = "missing_api_key", AccountId = "", Count = 3 });
            await db.SaveChangesAsync();
        }

        await host.Services.GetRequiredService<TrafficRecorder>().FlushAsync(CancellationToken.None);

        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            Assert.Equal(1, await db.Set<TrafficMinute>().CountAsync());
            Assert.Equal(0, await db.Set<TrafficRefusal>().CountAsync());
        }
    }
}
