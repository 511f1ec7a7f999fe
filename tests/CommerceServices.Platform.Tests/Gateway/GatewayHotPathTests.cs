using System.Diagnostics.Metrics;
using System.Net;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Gateway;
using CommerceServices.Platform.Gateway.Authentication;
using CommerceServices.Platform.Observability;
using CommerceServices.Protocol;
using CommerceServices.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Tests.Gateway;

/// <summary>
/// The gateway's hot path (one admission step instead of the authorization and rate-limiting middleware,
/// bounded per-key state): the same answers, nothing checked twice, memory bounded.
/// </summary>
public sealed class GatewayHotPathTests
{
    private const string Ping = "/merchant-registry/v1/ping";

    [Fact]
    public async Task AnOnValidatedHook_StillDecides_WhenAdmissionSkipsTheSchemeForOtherCallers()
    {
        await using var host = await PlatformHost.StartAsync(configure: builder =>
            builder.Services.PostConfigure<GatewaySignatureOptions>(GatewaySignatureDefaults.AuthenticationScheme, o =>
                o.Events.OnValidated = context =>
                {
                    if (context.Request.Headers.ContainsKey("x-refuse-me"))
                    {
                        context.Fail("refused by the hook");
                    }

                    return Task.CompletedTask;
                }));
        var key = await GatewayFixture.CreateKeyAsync(host, await GatewayFixture.CreateAccountAsync(host), GatewayEnvironment.Sandbox);

        using var allowed = await GatewayFixture.SendSignedAsync(host, key, HttpMethod.Get, Ping);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(host.SandboxGatewayUrl, Ping));
        request.Headers.Add(GatewayHeaders.ApiKey, key.ApiKey);
        request.Headers.Add(GatewayHeaders.Signature, key.Token());
        request.Headers.Add("x-refuse-me", "1");
        using var refused = await new HttpClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(ProblemCodes.InvalidSignature, await refused.ProblemCodeAsync());
    }

    [Fact]
    public async Task ARefusedRequest_IsCheckedAndCountedOnce_ThoughBothAdmissionAndTheChallengeAskForItsVerdict()
    {
        await using var host = await PlatformHost.StartAsync();
        var key = await GatewayFixture.CreateKeyAsync(host, await GatewayFixture.CreateAccountAsync(host), GatewayEnvironment.Sandbox);
        var refusals = 0L;
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
                if (tag is { Key: "outcome", Value: ProblemCodes.InvalidSignature })
                {
                    Interlocked.Add(ref refusals, value);
                }
            }
        });
        listener.Start();

        var other = await GatewayFixture.CreateKeyAsync(host, await GatewayFixture.CreateAccountAsync(host), GatewayEnvironment.Sandbox);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(host.SandboxGatewayUrl, Ping));
        request.Headers.Add(GatewayHeaders.ApiKey, key.ApiKey);
        request.Headers.Add(GatewayHeaders.Signature, other.Token()); // signed with another pair's private key
        using var response = await new HttpClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ProblemCodes.InvalidSignature, await response.ProblemCodeAsync());
        Assert.Equal(1, Interlocked.Read(ref refusals));
    }

    [Fact]
    public async Task OneAdmittedCall_IsCountedOnce_InTheAcceptedCallsMetric()
    {
        await using var host = await PlatformHost.StartAsync();
        var key = await GatewayFixture.CreateKeyAsync(host, await GatewayFixture.CreateAccountAsync(host), GatewayEnvironment.Sandbox);
        var accepted = 0L;
        var thisHost = host.Services.GetRequiredService<IMeterFactory>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this platform's meter: other tests run platforms of their own in this process at the same time.
            if (instrument.Meter.Scope == thisHost && instrument.Name == "commerce.gateway.requests")
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
            using var response = await GatewayFixture.SendSignedAsync(host, key, HttpMethod.Get, Ping);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(3, Interlocked.Read(ref accepted));
    }

    [Fact]
    public async Task LastUse_OfManyKeys_IsWrittenWithOneStatementPerSecondOfUse_NotOnePerKey()
    {
        var probe = new Data.DatabaseProbe
        {
            Counts = sql => sql.Contains("UPDATE", StringComparison.OrdinalIgnoreCase) && sql.Contains("LastUsedAt", StringComparison.Ordinal),
        };
        await using var host = await PlatformHost.StartAsync(StorageProvider.Sqlite,
            new Dictionary<string, string?> { ["Gateway:LastUseFlushSeconds"] = "3600" }, services: probe.AddTo);
        var keys = new List<TestKey>();
        for (var i = 0; i < 3; i++)
        {
            var account = await GatewayFixture.CreateAccountAsync(host);
            keys.Add(await GatewayFixture.CreateKeyAsync(host, account, GatewayEnvironment.Sandbox));
            keys.Add(await GatewayFixture.CreateKeyAsync(host, account, GatewayEnvironment.Production));
        }

        var recorder = host.Services.GetRequiredService<LastUseRecorder>();
        string[] ids;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            ids = await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().KeyPairs.Select(k => k.Id).ToArrayAsync();
        }

        var earlier = DateTimeOffset.UtcNow.AddSeconds(-10);
        var now = DateTimeOffset.UtcNow;
        foreach (var id in ids)
        {
            recorder.Record(id, id == ids[0] ? earlier : now);
        }

        await recorder.FlushAsync(CancellationToken.None);

        Assert.Equal(6, ids.Length);
        Assert.Equal(1, probe.Count); // six keys, two distinct seconds of use: one statement, each row with its key's own time
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var written = await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().KeyPairs.Select(k => k.LastUsedAt).ToListAsync();
            Assert.All(written, at => Assert.NotNull(at));
        }
    }

    [Fact]
    public async Task WithoutAVerifiedTokenMemory_EveryRequestIsVerified_AndStillAdmitted()
    {
        await using var host = await PlatformHost.StartAsync(settings: new Dictionary<string, string?> { ["Gateway:VerifiedTokenCacheSize"] = "0" });
        var key = await GatewayFixture.CreateKeyAsync(host, await GatewayFixture.CreateAccountAsync(host), GatewayEnvironment.Sandbox);

        for (var i = 0; i < 3; i++)
        {
            using var response = await GatewayFixture.SendSignedAsync(host, key, HttpMethod.Get, Ping);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(0, host.Services.GetRequiredService<ValidatedTokenCache>().Count);
    }

    [Fact]
    public async Task TheVerifiedTokenMemory_StaysWithinItsSize_UnderAStreamOfNewTokens()
    {
        await using var host = await PlatformHost.StartAsync(settings: new Dictionary<string, string?> { ["Gateway:VerifiedTokenCacheSize"] = "100" });
        var tokens = host.Services.GetRequiredService<ValidatedTokenCache>();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        for (var i = 0; i < 10_000; i++)
        {
            tokens.Add($"token-{i}", "key-pair", now + 300, now);
        }

        Assert.InRange(tokens.Count, 0, 100);

        // Adds racing a sweep may land after it has counted; the next add sweeps again, so the overshoot stays small.
        Parallel.For(0, 10_000, i => tokens.Add($"parallel-{i}", "key-pair", now + 300, now));
        Assert.InRange(tokens.Count, 0, 200);
        tokens.Add("the-last-one", "key-pair", now + 300, now);
        Assert.True(tokens.IsValidated("the-last-one", "key-pair", now));
    }

    [Fact]
    public void PerKeyBuckets_ThatFilledUpAgain_AreSwept_SoDistinctKeysDoNotGrowMemoryWithoutLimit()
    {
        var limiter = new GatewayRateLimiter(Options.Create(new GatewayOptions { RateLimitPerSecond = 1_000_000, RateLimitBurst = 1 }), TimeProvider.System);

        for (var i = 0; i < GatewayRateLimiter.Capacity + 5_000; i++)
        {
            Assert.True(limiter.TryAdmit($"key-{i}", out _));
        }

        Assert.InRange(limiter.Count, 1, GatewayRateLimiter.Capacity);
    }

    [Fact]
    public void APerKeyBucket_InUse_IsKept_AndStillRefuses()
    {
        // The clock stands still, so no bucket refills: "busy" stays empty, the others are never full again.
        var limiter = new GatewayRateLimiter(Options.Create(new GatewayOptions { RateLimitPerSecond = 1, RateLimitBurst = 2 }), new StoppedClock());

        Assert.True(limiter.TryAdmit("busy", out _));
        Assert.True(limiter.TryAdmit("busy", out _));
        for (var i = 0; i < GatewayRateLimiter.Capacity + 10; i++)
        {
            limiter.TryAdmit($"other-{i}", out _);
        }

        Assert.False(limiter.TryAdmit("busy", out var retryAfter));
        Assert.InRange(retryAfter, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));
    }

    private sealed class StoppedClock : TimeProvider
    {
        public override long GetTimestamp() => 1_000_000;
    }
}
