using CommerceServices.Platform.Data;
using CommerceServices.Platform.Gateway.Authentication;
using CommerceServices.Protocol;
using CommerceServices.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommerceServices.Platform.Tests.Gateway;

/// <summary>Last use (R22) is written in batches; a batch taken for writing is never lost to a cancellation.</summary>
public sealed class LastUseRecorderTests
{
    [Fact]
    public async Task AFlushCancelledWhileWriting_KeepsWhatItTook_ForTheNextFlush()
    {
        await using var host = await StartAsync();
        var (keyPairId, usedAt) = await UsedKeyAsync(host);
        var recorder = host.Services.GetRequiredService<LastUseRecorder>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => recorder.FlushAsync(new CancellationToken(canceled: true)));
        await recorder.FlushAsync(CancellationToken.None);

        Assert.Equal(usedAt, await LastUsedAtAsync(host, keyPairId));
    }

    [Fact]
    public async Task TheShutdownFlush_WritesWhatIsPending_EvenWhenTheHostIsOutOfPatience()
    {
        await using var host = await StartAsync();
        var (keyPairId, usedAt) = await UsedKeyAsync(host);
        var recorder = host.Services.GetRequiredService<LastUseRecorder>();

        // The host's shutdown token is already cancelled: its shutdown timeout has passed.
        await recorder.StopAsync(new CancellationToken(canceled: true));

        Assert.Equal(usedAt, await LastUsedAtAsync(host, keyPairId));
    }

    private static Task<PlatformHost> StartAsync() =>
        PlatformHost.StartAsync(StorageProvider.Sqlite, new Dictionary<string, string?> { ["Gateway:LastUseFlushSeconds"] = "3600" });

    private static async Task<(string KeyPairId, DateTimeOffset UsedAt)> UsedKeyAsync(PlatformHost host)
    {
        await GatewayFixture.CreateKeyAsync(host, await GatewayFixture.CreateAccountAsync(host), GatewayEnvironment.Sandbox);
        await using var scope = host.Services.CreateAsyncScope();
        var keyPairId = await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().KeyPairs.Select(k => k.Id).SingleAsync();
        var usedAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        host.Services.GetRequiredService<LastUseRecorder>().Record(keyPairId, usedAt);
        return (keyPairId, usedAt);
    }

    private static async Task<DateTimeOffset?> LastUsedAtAsync(PlatformHost host, string keyPairId)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().KeyPairs
            .Where(k => k.Id == keyPairId).Select(k => k.LastUsedAt).SingleAsync();
    }
}
