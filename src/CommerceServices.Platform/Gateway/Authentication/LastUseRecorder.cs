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
    /// <summary>How long the flush at shutdown may take.</summary>
    public static readonly TimeSpan ShutdownFlushLimit = TimeSpan.FromSeconds(10);

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

    /// <summary>
    /// Writes what is pending now. What it took but could not write — the database failed, or
    /// <paramref name="cancellationToken"/> was cancelled part-way — is put back for the next flush, never dropped.
    /// </summary>
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

        var batches = taken.GroupBy(t => t.Seconds)
            .SelectMany(second => second.Chunk(1000).Select(chunk => (Seconds: second.Key, Ids: chunk.Select(t => t.KeyPairId).ToArray())))
            .ToList();
        var written = 0;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            for (; written < batches.Count; written++)
            {
                var (seconds, ids) = batches[written];
                var usedAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
                await db.KeyPairs
                    .Where(k => ids.Contains(k.Id) && (k.LastUsedAt == null || k.LastUsedAt < usedAt))
                    .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, usedAt), cancellationToken);
            }
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            PutBack(batches.Skip(written));
            LogFlushFailed(logger, e.GetType().Name);
        }
        catch (OperationCanceledException)
        {
            PutBack(batches.Skip(written));
            throw;
        }
    }

    private void PutBack(IEnumerable<(long Seconds, string[] Ids)> batches)
    {
        foreach (var (seconds, ids) in batches)
        {
            foreach (var id in ids)
            {
                Record(id, DateTimeOffset.FromUnixTimeSeconds(seconds)); // a newer use recorded meanwhile wins
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
            // shutting down: what a cancelled flush took is pending again, and StopAsync writes it
        }
    }

    /// <summary>
    /// Writes what is pending as the node stops. The host's token is not used for it: when the host runs out of patience
    /// this is the last chance to write these times, and one batch is quick; <see cref="ShutdownFlushLimit"/> bounds it
    /// should the database not answer.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        using var limit = new CancellationTokenSource(ShutdownFlushLimit, time);
        try
        {
            await FlushAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            LogShutdownFlushTimedOut(logger, _pending.Count);
        }
    }

    [LoggerMessage(EventId = 1103, EventName = "LastUseFlushFailed", Level = LogLevel.Warning, Message = "Could not record the last use of keys ({ExceptionType}); will retry.")]
    private static partial void LogFlushFailed(ILogger logger, string exceptionType);

    [LoggerMessage(EventId = 1104, EventName = "LastUseShutdownFlushTimedOut", Level = LogLevel.Warning,
        Message = "The last use of {Count} key(s) could not be written before the node stopped (the database did not answer in time).")]
    private static partial void LogShutdownFlushTimedOut(ILogger logger, int count);
}
