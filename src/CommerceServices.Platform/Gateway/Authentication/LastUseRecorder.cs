using System.Collections.Concurrent;
using CommerceServices.Platform.Data;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Gateway.Authentication;

/// <summary>
/// Remembers when each key was last used and writes it in one batch every
/// <see cref="GatewayOptions.LastUseFlushSeconds"/> (R22), instead of a database write on every request. Times are
/// kept to the second; what is pending is written at shutdown too.
/// </summary>
public sealed partial class LastUseRecorder(
    IServiceScopeFactory scopes, TimeProvider time, IOptions<GatewayOptions> options, ILogger<LastUseRecorder> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<string, long> _pending = new(StringComparer.Ordinal);

    public void Record(string keyPairId, DateTimeOffset at)
    {
        var seconds = at.ToUnixTimeSeconds();
        if (_pending.TryGetValue(keyPairId, out var known) && known >= seconds)
        {
            return; // the hot path: already noted this second
        }

        _pending.AddOrUpdate(keyPairId, seconds, (_, existing) => Math.Max(existing, seconds));
    }

    /// <summary>Writes what is pending now.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.IsEmpty)
        {
            return;
        }

        // One statement per second of use (and per thousand keys), not one per key: with thousands of keys in use, a
        // statement each (and on SQLite a commit each) was a steady load on the database that grew with the key count.
        var taken = new List<(string KeyPairId, long Seconds)>();
        foreach (var keyPairId in _pending.Keys)
        {
            if (_pending.TryRemove(keyPairId, out var seconds))
            {
                taken.Add((keyPairId, seconds));
            }
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var batches = taken.GroupBy(t => t.Seconds)
            .SelectMany(second => second.Chunk(1000).Select(chunk => (Seconds: second.Key, Ids: chunk.Select(t => t.KeyPairId).ToArray())))
            .ToList();
        for (var i = 0; i < batches.Count; i++)
        {
            var (seconds, ids) = batches[i];
            var usedAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
            try
            {
                await db.KeyPairs
                    .Where(k => ids.Contains(k.Id) && (k.LastUsedAt == null || k.LastUsedAt < usedAt))
                    .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, usedAt), cancellationToken);
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
            {
                foreach (var (left, leftIds) in batches.Skip(i))
                {
                    foreach (var id in leftIds)
                    {
                        Record(id, DateTimeOffset.FromUnixTimeSeconds(left)); // kept for the next flush
                    }
                }

                LogFlushFailed(logger, e.GetType().Name);
                return;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(0.05, options.Value.LastUseFlushSeconds)), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 1103, EventName = "LastUseFlushFailed", Level = LogLevel.Warning, Message = "Could not record the last use of keys ({ExceptionType}); will retry.")]
    private static partial void LogFlushFailed(ILogger logger, string exceptionType);
}
