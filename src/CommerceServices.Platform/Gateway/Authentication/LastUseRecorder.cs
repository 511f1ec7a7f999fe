using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using CommerceServices.Platform.Data;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Gateway.Authentication;

/// <summary>
/// Remembers when each key was last used, and from which client address, and writes it in one batch every
/// <see cref="GatewayOptions.LastUseFlushSeconds"/> (R22), instead of a database write on every request. Times are
/// kept to the second; what is pending is written at shutdown too.
/// </summary>
public sealed partial class LastUseRecorder(
    IServiceScopeFactory scopes, TimeProvider time, IOptions<GatewayOptions> options, ILogger<LastUseRecorder> logger)
    : BackgroundService
{
    private const int KeysPerStatement = 300;

    /// <summary>How long the flush at shutdown may take.</summary>
    public static readonly TimeSpan ShutdownFlushLimit = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, (long Seconds, IPAddress? From)> _pending = new(StringComparer.Ordinal);

    public void Record(string keyPairId, DateTimeOffset at, IPAddress? from = null)
    {
        var seconds = at.ToUnixTimeSeconds();
        if (_pending.TryGetValue(keyPairId, out var known) && known.Seconds >= seconds)
        {
            return; // the hot path: already noted this second
        }

        _pending.AddOrUpdate(keyPairId, (seconds, from), (_, existing) => existing.Seconds >= seconds ? existing : (seconds, from));
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

        var taken = new List<(string KeyPairId, long Seconds, IPAddress? From)>();
        foreach (var keyPairId in _pending.Keys)
        {
            if (_pending.TryRemove(keyPairId, out var use))
            {
                taken.Add((keyPairId, use.Seconds, use.From));
            }
        }

        // One statement per few hundred keys, each row carrying its key's own time and address (UPDATE ... FROM VALUES,
        // which SQLite and PostgreSQL both have): with thousands of keys in use, a statement per key (and on SQLite a
        // commit each) was a steady load on the database that grew with the key count.
        var batches = taken.Chunk(KeysPerStatement).ToList();
        var written = 0;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            for (; written < batches.Count; written++)
            {
                var rows = new StringBuilder();
                var values = new List<object>(batches[written].Length * 3);
                foreach (var (keyPairId, seconds, from) in batches[written])
                {
                    var p = values.Count;
                    rows.Append(p == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture,
                        $"(CAST({{{p}}} AS TEXT), CAST({{{p + 1}}} AS BIGINT), CAST({{{p + 2}}} AS TEXT))");
                    values.Add(keyPairId);
                    values.Add(seconds * 1000); // the column holds Unix milliseconds (PlatformDbContext)
                    values.Add(from?.ToString() ?? "");
                }

                // Only placeholders are put into the text; every value is a parameter.
                var sql = "UPDATE \"KeyPairs\" SET \"LastUsedAt\" = v.column2, \"LastUsedFrom\" = NULLIF(v.column3, '') " +
                          $"FROM (VALUES {rows}) AS v WHERE \"KeyPairs\".\"Id\" = v.column1 " +
                          "AND (\"KeyPairs\".\"LastUsedAt\" IS NULL OR \"KeyPairs\".\"LastUsedAt\" < v.column2)";
                await db.Database.ExecuteSqlRawAsync(sql, values, cancellationToken);
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

    private void PutBack(IEnumerable<(string KeyPairId, long Seconds, IPAddress? From)[]> batches)
    {
        foreach (var (keyPairId, seconds, from) in batches.SelectMany(b => b))
        {
            Record(keyPairId, DateTimeOffset.FromUnixTimeSeconds(seconds), from); // a newer use recorded meanwhile wins
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
