using CommerceServices.Platform.Data;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Payments;

/// <summary>
/// The recovery worker — the article's "completer" — and its "reaper". Every <see cref="PaymentsOptions.RecoveryInterval"/>
/// (and once at start, so a node that died and came back finishes its own leftovers) it takes over operations left at
/// <see cref="RecoveryPoints.IntentRecorded"/> whose holder's time ran out — a crash, a processor that did not answer, an
/// outcome that could not be stored — and finishes them from there: a capture, void or refund is sent again under its own
/// processor key (the processor does it at most once); an authorization, whose card the platform never keeps, is looked
/// up by its key and recorded as the processor has it, or failed once its deadline has passed without the processor ever
/// receiving it. It also removes idempotency keys past their lifetime. Several nodes may run it: taking an operation over
/// is a conditional update only one of them wins.
/// </summary>
internal sealed partial class PaymentCompleter(IServiceScopeFactory scopes, PaymentCompletion completion, SqliteWriteGate writeGate,
    TimeProvider time, IOptions<PaymentsOptions> options, ILogger<PaymentCompleter> logger) : BackgroundService
{
    private const int BatchSize = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The database may be down: the next round tries again.
                LogRoundFailed(logger, e);
            }

            try
            {
                await Task.Delay(options.Value.RecoveryInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Lets calls that are between phases on this node finish before the process stops.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await completion.AllRunning().WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>One round: finish what was left between phases, then reap expired keys. Returns the operations finished.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
        List<(string Id, string Kind)> stuck;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            stuck = (await db.PaymentOperations.AsNoTracking()
                    .Where(o => o.RecoveryPoint == RecoveryPoints.IntentRecorded && o.LockedUntil <= now)
                    .OrderBy(o => o.LockedUntil).Take(BatchSize)
                    .Select(o => new { o.Id, o.Kind }).ToListAsync(cancellationToken))
                .Select(o => (o.Id, o.Kind)).ToList();
        }

        var finished = 0;
        foreach (var (id, kind) in stuck)
        {
            if (completion.Running(id) is not null
                || await completion.TryTakeOverAsync(id, willSend: kind != OperationKinds.Authorize, cancellationToken) is not { } operation)
            {
                continue;
            }

            try
            {
                var answer = await completion.FinishAsync(operation, card: null);
                if (answer is not null)
                {
                    finished++;
                    LogRecovered(logger, operation.Id, operation.Kind, operation.PaymentId, answer.Status);
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // One operation that cannot be finished now does not hold up the others; its hold runs out and it is tried again.
                LogOperationFailed(logger, e, operation.Id, operation.Kind);
            }
        }

        await ReapAsync(now, cancellationToken);
        return finished;
    }

    /// <summary>Idempotency keys past their lifetime go (the article's reaper); the operations they named stay as history.</summary>
    private async Task ReapAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        int reaped;
        using (await writeGate.EnterAsync(db, cancellationToken))
        {
            reaped = await db.PaymentIdempotencyKeys.Where(k => k.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
        }

        if (reaped > 0)
        {
            LogReaped(logger, reaped);
        }
    }

    [LoggerMessage(EventId = PaymentLogEvents.Recovered, Level = LogLevel.Information,
        Message = "Recovered payment operation {OperationId} ({Kind} of {PaymentId}) left between phases; its answer is {Status}.")]
    private static partial void LogRecovered(ILogger logger, string operationId, string kind, string paymentId, int status);

    [LoggerMessage(EventId = PaymentLogEvents.RecoveryFailed, Level = LogLevel.Warning, Message = "A recovery round failed; the next one tries again.")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = PaymentLogEvents.RecoveryOfOperationFailed, Level = LogLevel.Warning,
        Message = "Payment operation {OperationId} ({Kind}) could not be finished in this round; it is tried again when its hold runs out.")]
    private static partial void LogOperationFailed(ILogger logger, Exception exception, string operationId, string kind);

    [LoggerMessage(EventId = PaymentLogEvents.KeysReaped, Level = LogLevel.Information, Message = "Removed {Count} idempotency keys past their lifetime.")]
    private static partial void LogReaped(ILogger logger, int count);
}
