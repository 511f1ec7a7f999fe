using System.Collections.Concurrent;
using CommerceServices.Platform.Data;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Payments;

/// <summary>
/// Runs what comes after an operation's intent is recorded: phase 2 (the processor) and phase 3 (the outcome), for the
/// request that recorded it, for a retry with the same key, and for the recovery worker. Once phase 1 has committed these
/// run to the end on their own token, bounded by the operation's deadline, never by a caller's: a client that goes away
/// cancels nothing. The work of each operation runs once per node at a time; callers on this node share it.
/// </summary>
internal sealed partial class PaymentCompletion(IServiceScopeFactory scopes, ForeignStateMutation processor, FaultInjection faults,
    SqliteWriteGate writeGate, TimeProvider time, IOptions<PaymentsOptions> options, ILogger<PaymentCompletion> logger)
{
    /// <summary>Time for phase 3's database work beyond the processor's deadline.</summary>
    private static readonly TimeSpan RecordingBudget = TimeSpan.FromSeconds(15);

    private readonly ConcurrentDictionary<string, Task<PaymentAnswer?>> _running = new(StringComparer.Ordinal);

    /// <summary>The work of an operation running on this node, if any.</summary>
    public Task<PaymentAnswer?>? Running(string operationId) => _running.GetValueOrDefault(operationId);

    /// <summary>Every operation running on this node, for a shutdown that lets them finish.</summary>
    public Task AllRunning() => Task.WhenAll(_running.Values);

    /// <summary>
    /// Phases 2 and 3 of an operation whose intent the caller has just recorded (or taken over, see
    /// <see cref="TryTakeOverAsync"/>). The answer, or null when the outcome is not known yet (the processor did not
    /// answer, or the outcome could not be stored): the operation then waits for a retry or the recovery worker.
    /// <paramref name="snapshot"/> is the payment as phase 1 left it, which spares phase 3 reading it again.
    /// </summary>
    public Task<PaymentAnswer?> FinishAsync(PaymentOperation operation, AuthorizationCard? card, Payment? snapshot = null)
    {
        // Started only by the caller whose task went in: GetOrAdd may build a value it then throws away.
        var start = new Task<Task<PaymentAnswer?>>(() => RunAsync(operation, card, snapshot));
        var mine = start.Unwrap();
        var task = _running.GetOrAdd(operation.Id, mine);
        if (ReferenceEquals(task, mine))
        {
            start.Start(TaskScheduler.Default);
            _ = task.ContinueWith(_ => _running.TryRemove(new KeyValuePair<string, Task<PaymentAnswer?>>(operation.Id, task)), TaskScheduler.Default);
        }

        return task;
    }

    /// <summary>
    /// Takes over an unfinished operation whose holder's time has run out (it died, or gave up): holds it for another
    /// deadline and counts an attempt. When the taker will send it to the processor again (<paramref name="willSend"/>)
    /// the new deadline is recorded first, so that "never received" is only ever concluded after every send's deadline.
    /// Null when someone else holds it or it is finished.
    /// </summary>
    public async Task<PaymentOperation?> TryTakeOverAsync(string operationId, bool willSend, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var now = Now();
        var until = now + options.Value.ProcessorTimeout;
        int taken;
        using (await writeGate.EnterAsync(db, cancellationToken))
        {
            var query = db.PaymentOperations.Where(o => o.Id == operationId && o.RecoveryPoint == RecoveryPoints.IntentRecorded && o.LockedUntil <= now);
            taken = willSend
                ? await query.ExecuteUpdateAsync(s => s
                    .SetProperty(o => o.LockedUntil, until)
                    .SetProperty(o => o.NotAfter, o => o.NotAfter > until ? o.NotAfter : until)
                    .SetProperty(o => o.Attempts, o => o.Attempts + 1), cancellationToken)
                : await query.ExecuteUpdateAsync(s => s
                    .SetProperty(o => o.LockedUntil, until)
                    .SetProperty(o => o.Attempts, o => o.Attempts + 1), cancellationToken);
        }

        return taken == 0 ? null : await db.PaymentOperations.AsNoTracking().FirstAsync(o => o.Id == operationId, cancellationToken);
    }

    private async Task<PaymentAnswer?> RunAsync(PaymentOperation operation, AuthorizationCard? card, Payment? snapshot)
    {
        // Until the deadline for a send (an operation taken over after a crash may be long past it), a lookup's time, then the recording.
        var left = operation.NotAfter - time.GetUtcNow();
        using var budget = new CancellationTokenSource((left > TimeSpan.Zero ? left : TimeSpan.Zero) + options.Value.ProcessorTimeout + RecordingBudget);
        var ct = budget.Token;
        faults.At(FaultInjection.AfterIntent, operation.Kind);
        ProcessorResult result;
        if (operation.Kind == OperationKinds.Authorize && card is null)
        {
            // Only a request carries the card: without one, ask what happened. An authorization never received by the
            // processor is failed once its last deadline has passed (the processor refuses it after that), never sent blindly.
            result = await processor.AskAsync(operation, options.Value.ProcessorTimeout, ct);
            if (result.Outcome == ProcessorOutcome.NotReceived && time.GetUtcNow() > operation.NotAfter + options.Value.ClockSkew)
            {
                result = ProcessorResult.Fail("The card processor never received the authorization (the platform stopped before sending it, " +
                                              "or it was lost on the way).");
            }
        }
        else
        {
            result = await processor.SendAsync(operation, card, ct);
            if (result.Outcome == ProcessorOutcome.Unknown && time.GetUtcNow() < operation.NotAfter)
            {
                // The answer was lost: the key tells what happened, without doing anything again.
                var asked = await processor.AskAsync(operation, operation.NotAfter - time.GetUtcNow(), ct);
                result = asked.IsFinal ? asked : result;
            }
        }

        if (!result.IsFinal)
        {
            return null;
        }

        faults.At(FaultInjection.AfterProcessor, operation.Kind);
        PaymentAnswer? answer;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            answer = await scope.ServiceProvider.GetRequiredService<OutcomeRecorder>().RecordAsync(operation, snapshot, result, ct)
                     ?? await StoredAnswerAsync(scope.ServiceProvider.GetRequiredService<PlatformDbContext>(), operation, ct);
        }
        catch (Exception e) when (e is DbUpdateException or System.Data.Common.DbException or InvalidOperationException or OperationCanceledException or TimeoutException)
        {
            // The outcome is known but could not be stored. The operation stays where it was; letting go of it at once
            // lets a retry (or the recovery worker) ask the processor again and store it.
            LogNotRecorded(logger, e, operation.Id, operation.Kind, result.Outcome);
            await ReleaseAsync(operation.Id);
            return null;
        }

        faults.At(FaultInjection.AfterOutcome, operation.Kind);
        return answer;
    }

    /// <summary>The answer another finisher stored; for a call without a key, the operation's payment as it now is.</summary>
    private async Task<PaymentAnswer?> StoredAnswerAsync(PlatformDbContext db, PaymentOperation operation, CancellationToken ct)
    {
        if (operation.IdempotencyKey is { } key)
        {
            var stored = await db.PaymentIdempotencyKeys.AsNoTracking().FirstOrDefaultAsync(k => k.DataSpaceId == operation.DataSpaceId && k.Key == key, ct);
            if (stored?.Status is { } status)
            {
                return new PaymentAnswer(status, stored.ContentType ?? PaymentAnswer.Json, stored.Body ?? [], stored.Location);
            }
        }

        return null;
    }

    private async Task ReleaseAsync(string operationId)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            var now = Now();
            using (await writeGate.EnterAsync(db, CancellationToken.None))
            {
                await db.PaymentOperations.Where(o => o.Id == operationId && o.RecoveryPoint == RecoveryPoints.IntentRecorded)
                    .ExecuteUpdateAsync(s => s.SetProperty(o => o.LockedUntil, now), CancellationToken.None);
            }
        }
        catch (Exception e) when (e is DbUpdateException or System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            // Already failing: the operation's time runs out by itself.
        }
    }

    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());

    [LoggerMessage(EventId = PaymentLogEvents.OutcomeNotRecorded, Level = LogLevel.Warning,
        Message = "The outcome of payment operation {OperationId} ({Kind}: {Outcome}) could not be stored; a retry or the recovery worker will store it.")]
    private static partial void LogNotRecorded(ILogger logger, Exception exception, string operationId, string kind, ProcessorOutcome outcome);
}
