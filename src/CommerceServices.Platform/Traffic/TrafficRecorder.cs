using System.Collections.Concurrent;
using System.Text;
using CommerceServices.Platform.Data;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Traffic;

/// <summary>
/// Counts gateway calls per minute in memory (one dictionary lookup and an interlocked add per call) and writes the counts
/// every <see cref="TrafficOptions.FlushInterval"/> as a few multi-row upserts in one transaction: the database sees a
/// handful of statements every few seconds however busy the gateway is. Counts are taken with an atomic exchange, so a
/// call counted while a batch is written lands in the next batch; a batch that fails to write is added back.
/// </summary>
public sealed partial class TrafficRecorder(
    IServiceScopeFactory scopes, TimeProvider time, IOptions<TrafficOptions> options, ILogger<TrafficRecorder> logger)
    : BackgroundService
{
    private const int RowsPerStatement = 100;
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<CallCell, Counter> _calls = new();
    private readonly ConcurrentDictionary<RefusalCell, Counter> _refusals = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private long _capMinute;
    private int _capUsed;
    private DateTimeOffset _nextPrune;

    /// <summary>Counts one gateway call. <paramref name="apiKey"/> matters for refusals only (the top lists).</summary>
    public void Record(string environment, string service, string outcome, string? apiKey)
    {
        var minute = time.GetUtcNow().ToUnixTimeSeconds() / 60;
        Increment(_calls, new CallCell(minute, environment, service, outcome));
        if (outcome == TrafficOutcomes.Accepted)
        {
            return;
        }

        var cell = new RefusalCell(minute, apiKey ?? TrafficOutcomes.NoKey, outcome);
        if (!_refusals.TryGetValue(cell, out var counter))
        {
            if (!TakeRefusedKeySlot(minute))
            {
                cell = cell with { ApiKey = TrafficOutcomes.OtherKeys };
            }

            counter = _refusals.GetOrAdd(cell, static _ => new Counter());
        }

        Interlocked.Increment(ref counter.Value);
    }

    /// <summary>Writes what was counted since the last flush (and, once an hour, deletes minutes past the retention).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken);
        try
        {
            var currentMinute = time.GetUtcNow().ToUnixTimeSeconds() / 60;
            var calls = Take(_calls, currentMinute, c => c.Minute);
            var refusals = Take(_refusals, currentMinute, c => c.Minute);
            if (calls.Count > 0 || refusals.Count > 0)
            {
                try
                {
                    await WriteAsync(calls, refusals, cancellationToken);
                }
                catch (Exception e) when (e is System.Data.Common.DbException or DbUpdateException or InvalidOperationException or TimeoutException)
                {
                    foreach (var (cell, count) in calls)
                    {
                        Interlocked.Add(ref _calls.GetOrAdd(cell, static _ => new Counter()).Value, count);
                    }

                    foreach (var (cell, count) in refusals)
                    {
                        Interlocked.Add(ref _refusals.GetOrAdd(cell, static _ => new Counter()).Value, count);
                    }

                    LogFlushFailed(logger, e.GetType().Name);
                    return;
                }
            }

            if (time.GetUtcNow() >= _nextPrune)
            {
                await PruneAsync(cancellationToken);
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await FlushAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogFlushFailed(logger, e.GetType().Name);
                }
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

    private async Task WriteAsync(List<(CallCell Cell, long Count)> calls, List<(RefusalCell Cell, long Count)> refusals,
        CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();

        // The owners of the refused keys, looked up here in one query per thousand keys rather than on the gateway's path.
        var keys = refusals.Select(r => r.Cell.ApiKey).Where(k => k is not TrafficOutcomes.NoKey and not TrafficOutcomes.OtherKeys)
            .Distinct().ToList();
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in keys.Chunk(1000))
        {
            foreach (var key in await db.KeyPairs.AsNoTracking().Where(k => chunk.Contains(k.ApiKey))
                         .Select(k => new { k.ApiKey, k.AccountId }).ToListAsync(cancellationToken))
            {
                owners[key.ApiKey] = key.AccountId;
            }
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        foreach (var chunk in calls.Chunk(RowsPerStatement))
        {
            var sql = new StringBuilder("INSERT INTO \"TrafficMinutes\" (\"Minute\", \"Environment\", \"Service\", \"Outcome\", \"Count\") VALUES ");
            var values = new List<object>(chunk.Length * 5);
            foreach (var (cell, count) in chunk)
            {
                Row(sql, values, cell.Minute * 60_000, cell.Environment, cell.Service, cell.Outcome, count);
            }

            sql.Append(" ON CONFLICT (\"Minute\", \"Environment\", \"Service\", \"Outcome\") DO UPDATE SET \"Count\" = \"TrafficMinutes\".\"Count\" + excluded.\"Count\"");
            await db.Database.ExecuteSqlRawAsync(sql.ToString(), values, cancellationToken);
        }

        foreach (var chunk in refusals.Chunk(RowsPerStatement))
        {
            var sql = new StringBuilder("INSERT INTO \"TrafficRefusals\" (\"Minute\", \"ApiKey\", \"Outcome\", \"AccountId\", \"Count\") VALUES ");
            var values = new List<object>(chunk.Length * 5);
            foreach (var (cell, count) in chunk)
            {
                Row(sql, values, cell.Minute * 60_000, cell.ApiKey, cell.Outcome, owners.GetValueOrDefault(cell.ApiKey, ""), count);
            }

            sql.Append(" ON CONFLICT (\"Minute\", \"ApiKey\", \"Outcome\") DO UPDATE SET \"Count\" = \"TrafficRefusals\".\"Count\" + excluded.\"Count\"");
            await db.Database.ExecuteSqlRawAsync(sql.ToString(), values, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static void Row(StringBuilder sql, List<object> values, long minuteMs, string a, string b, string c, long count)
    {
        var first = values.Count;
        if (first > 0)
        {
            sql.Append(", ");
        }

        sql.Append($"({{{first}}}, {{{first + 1}}}, {{{first + 2}}}, {{{first + 3}}}, {{{first + 4}}})");
        values.Add(minuteMs);
        values.Add(a);
        values.Add(b);
        values.Add(c);
        values.Add(count);
    }

    private async Task PruneAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(options.Value.RetentionDays);
        try
        {
            await db.Set<TrafficMinute>().Where(t => t.Minute < cutoff).ExecuteDeleteAsync(cancellationToken);
            await db.Set<TrafficRefusal>().Where(t => t.Minute < cutoff).ExecuteDeleteAsync(cancellationToken);
            _nextPrune = time.GetUtcNow() + PruneEvery;
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            LogFlushFailed(logger, e.GetType().Name);
        }
    }

    /// <summary>
    /// The counts to write, each taken with an exchange to 0. Cells of minutes before the last two are removed once
    /// empty, so the dictionaries hold a few minutes' cells, not a day's.
    /// </summary>
    private static List<(TCell Cell, long Count)> Take<TCell>(ConcurrentDictionary<TCell, Counter> cells, long currentMinute,
        Func<TCell, long> minuteOf) where TCell : notnull
    {
        var taken = new List<(TCell, long)>();
        foreach (var (cell, counter) in cells)
        {
            var count = Interlocked.Exchange(ref counter.Value, 0);
            if (count > 0)
            {
                taken.Add((cell, count));
            }
            else if (minuteOf(cell) < currentMinute - 1)
            {
                cells.TryRemove(cell, out _);
            }
        }

        return taken;
    }

    private static void Increment<TCell>(ConcurrentDictionary<TCell, Counter> cells, TCell cell) where TCell : notnull
    {
        if (!cells.TryGetValue(cell, out var counter))
        {
            counter = cells.GetOrAdd(cell, static _ => new Counter());
        }

        Interlocked.Increment(ref counter.Value);
    }

    /// <summary>One more distinct refused key this minute, while the minute's cap allows it (approximate under races).</summary>
    private bool TakeRefusedKeySlot(long minute)
    {
        if (Interlocked.Exchange(ref _capMinute, minute) != minute)
        {
            Volatile.Write(ref _capUsed, 0);
        }

        return Interlocked.Increment(ref _capUsed) <= options.Value.RefusedKeysPerMinute;
    }

    private sealed class Counter
    {
        public long Value;
    }

    private readonly record struct CallCell(long Minute, string Environment, string Service, string Outcome);

    private readonly record struct RefusalCell(long Minute, string ApiKey, string Outcome);

    [LoggerMessage(EventId = 1301, EventName = "TrafficFlushFailed", Level = LogLevel.Warning,
        Message = "Could not write the gateway traffic counts ({ExceptionType}); they are kept for the next try.")]
    private static partial void LogFlushFailed(ILogger logger, string exceptionType);
}
