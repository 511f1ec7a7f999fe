using CommerceServices.Platform.Data;
using CommerceServices.Platform.Events;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Payments;
using CommerceServices.Protocol.Webhooks;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Payments;

/// <summary>
/// Phase 3, the last atomic phase: in one transaction, the operation moves to <see cref="RecoveryPoints.Finished"/> with
/// the processor's outcome, the payment takes its new state (and lets go of what the intent reserved), the event of the
/// change goes into the outbox, and the answer is stored with the client's idempotency key. The answer and the state
/// change are never in separate commits, so a retry can never find one without the other. On PostgreSQL the writes go
/// in one batch; on SQLite the commit does not wait for its own fsync (see <see cref="SqliteWriteGate"/>): phase 1, which
/// syncs, made the intent durable before the processor was called, and a phase 3 lost to a power failure is done again
/// from it by asking the processor.
/// </summary>
internal sealed class OutcomeRecorder(PlatformDbContext db, EventOutbox outbox, SqliteWriteGate writeGate, TimeProvider time, IOptions<JsonOptions> json)
{
    private const int Attempts = 8;

    /// <summary>
    /// Records a final <paramref name="result"/> and returns the answer; null when the operation was already finished by
    /// someone else (a retry or the recovery worker that got there first), whose answer then stands.
    /// <paramref name="snapshot"/> is the payment as phase 1 left it, when the caller has it; it is read otherwise, and
    /// again when a concurrent change (another refund) made it stale.
    /// </summary>
    public async Task<PaymentAnswer?> RecordAsync(PaymentOperation operation, Payment? snapshot, ProcessorResult result, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var payment = operation.Kind == OperationKinds.Refund ? null
                : snapshot ?? await db.Payments.AsNoTracking().Include(p => p.Refunds).FirstAsync(p => p.Id == operation.PaymentId, cancellationToken);
            snapshot = null;
            using var writer = await writeGate.EnterAsync(db, cancellationToken, syncAtCommit: false);
            db.Database.AutoSavepointsEnabled = false; // the transaction is all or nothing already
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var now = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
            var finished = Finish(operation, result, now);
            try
            {
                if (payment is null)
                {
                    // Refunds run side by side on one payment: amounts move relative to what the row holds now.
                    payment = await RefundAsync(operation, result, now, cancellationToken);
                }

                var answer = Apply(operation, payment, result, now);
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                db.ChangeTracker.Clear();
                return answer;
            }
            catch (DbUpdateConcurrencyException conflict)
            {
                await transaction.RollbackAsync(cancellationToken);
                db.ChangeTracker.Clear();
                if (conflict.Entries.Any(e => e.Entity == finished) || attempt >= Attempts)
                {
                    // Finished by someone else meanwhile (or, after many rounds, the caller asks again from the start).
                    return null;
                }

                // The payment changed since it was read: read it again.
            }
        }
    }

    /// <summary>The operation, finished with the outcome, if it is still where it was (its recovery point is the concurrency token).</summary>
    private PaymentOperation Finish(PaymentOperation operation, ProcessorResult result, DateTimeOffset now)
    {
        var finished = Copy(operation);
        db.PaymentOperations.Attach(finished);
        finished.RecoveryPoint = RecoveryPoints.Finished;
        finished.Outcome = result.Outcome.ToString().ToLowerInvariant();
        finished.Failure = result.Failure ?? result.DeclineReason;
        finished.FinishedAt = now;
        if (operation.Kind == OperationKinds.Authorize)
        {
            finished.ProcessorReference = result.ProcessorReference;
        }

        return finished;
    }

    /// <summary>A refund's outcome on the payment as it is now: its reservation goes, and an approved refund adds up.</summary>
    private async Task<Payment> RefundAsync(PaymentOperation operation, ProcessorResult result, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var amount = operation.Amount;
        var payments = db.Payments.Where(p => p.Id == operation.PaymentId);
        if (result.Approved)
        {
            db.PaymentRefunds.Add(new Refund
            {
                Id = operation.RefundId!, PaymentId = operation.PaymentId, DataSpaceId = operation.DataSpaceId, Amount = amount, CreatedAt = now,
            });
            await payments.ExecuteUpdateAsync(s => s
                .SetProperty(p => p.Status, p => p.RefundedAmount + amount >= p.CapturedAmount ? PaymentStatuses.Refunded : PaymentStatuses.PartiallyRefunded)
                .SetProperty(p => p.RefundedAmount, p => p.RefundedAmount + amount)
                .SetProperty(p => p.PendingRefundAmount, p => p.PendingRefundAmount - amount)
                .SetProperty(p => p.UpdatedAt, now)
                .SetProperty(p => p.Version, p => p.Version + 1), cancellationToken);
        }
        else
        {
            await payments.ExecuteUpdateAsync(s => s
                .SetProperty(p => p.PendingRefundAmount, p => p.PendingRefundAmount - amount)
                .SetProperty(p => p.Version, p => p.Version + 1), cancellationToken);
        }

        // The operation's finish and the refund go first, so a finisher that lost the race stops before the read.
        await db.SaveChangesAsync(cancellationToken);
        return await db.Payments.AsNoTracking().Include(p => p.Refunds).FirstAsync(p => p.Id == operation.PaymentId, cancellationToken);
    }

    /// <summary>Adds this phase's writes to the context: the payment's change, the event, the answer.</summary>
    private PaymentAnswer Apply(PaymentOperation operation, Payment payment, ProcessorResult result, DateTimeOffset now)
    {
        var approved = result.Outcome == ProcessorOutcome.Approved;
        var refund = operation.Kind == OperationKinds.Refund;
        if (!refund)
        {
            db.Payments.Attach(payment);
        }

        string? eventType = null;
        switch (operation.Kind)
        {
            case OperationKinds.Authorize:
                payment.Status = result.Outcome switch
                {
                    ProcessorOutcome.Approved => PaymentStatuses.Authorized,
                    ProcessorOutcome.Declined => PaymentStatuses.Declined,
                    _ => PaymentStatuses.Failed,
                };
                payment.DeclineReason = result.Outcome == ProcessorOutcome.Declined ? result.DeclineReason ?? DeclineReasons.DoNotHonour : null;
                payment.ProcessorReference = result.ProcessorReference;
                eventType = payment.Status switch
                {
                    PaymentStatuses.Authorized => WebhookEventTypes.PaymentAuthorized,
                    PaymentStatuses.Declined => WebhookEventTypes.PaymentDeclined,
                    _ => WebhookEventTypes.PaymentFailed,
                };
                break;
            case OperationKinds.Capture when approved:
                payment.Status = PaymentStatuses.Captured;
                payment.CapturedAmount = operation.Amount;
                eventType = WebhookEventTypes.PaymentCaptured;
                break;
            case OperationKinds.Void when approved:
                payment.Status = PaymentStatuses.Voided;
                eventType = WebhookEventTypes.PaymentVoided;
                break;
            case OperationKinds.Refund when approved:
                eventType = WebhookEventTypes.PaymentRefunded; // the amounts moved in RefundAsync
                break;
        }

        if (!refund)
        {
            // Whatever the outcome, the intent's hold goes.
            if (payment.PendingOperationId == operation.Id)
            {
                payment.PendingOperationId = null;
            }

            if (eventType is not null)
            {
                payment.UpdatedAt = now;
            }

            payment.Version++;
        }

        var view = PaymentService.View(payment);
        if (eventType is not null)
        {
            outbox.Add(eventType, operation.AccountId, operation.Environment, operation.DataSpaceId, payment.Id, view, now, payment.Version);
        }

        var answer = AnswerFor(operation, result, view);
        if (operation.IdempotencyKey is { } key)
        {
            var stored = db.PaymentIdempotencyKeys.Attach(new IdempotencyRecord { DataSpaceId = operation.DataSpaceId, Key = key, Fingerprint = "" });
            stored.Entity.Status = answer.Status;
            stored.Entity.ContentType = answer.ContentType;
            stored.Entity.Location = answer.Location;
            stored.Entity.Body = answer.Body;
        }

        return answer;
    }

    private static PaymentOperation Copy(PaymentOperation o) => new()
    {
        Id = o.Id, PaymentId = o.PaymentId, DataSpaceId = o.DataSpaceId, AccountId = o.AccountId, Environment = o.Environment, Kind = o.Kind,
        Amount = o.Amount, Currency = o.Currency, ProcessorReference = o.ProcessorReference, RefundId = o.RefundId, ProcessorKey = o.ProcessorKey,
        RecoveryPoint = RecoveryPoints.IntentRecorded, LockedUntil = o.LockedUntil, NotAfter = o.NotAfter, IdempotencyKey = o.IdempotencyKey,
        Attempts = o.Attempts, CreatedAt = o.CreatedAt,
    };

    /// <summary>The answer the call gets: the payment as it now is, or why the processor did not do it.</summary>
    private PaymentAnswer AnswerFor(PaymentOperation operation, ProcessorResult result, PaymentRecord view)
    {
        var options = json.Value.SerializerOptions;
        if (operation.Kind == OperationKinds.Authorize)
        {
            return result.Outcome is ProcessorOutcome.Approved or ProcessorOutcome.Declined
                ? PaymentAnswer.Of(view, StatusCodes.Status201Created, options)
                : PaymentAnswer.Of(new PlatformError(ProblemCodes.ProcessorFailed,
                    $"The card processor did not authorize the payment: {result.Failure ?? "it failed"} No money moved; the payment " +
                    $"{view.Id} is recorded as failed. Authorize again with a new Idempotency-Key."), view.Id, options);
        }

        return result.Approved
            ? PaymentAnswer.Of(view, StatusCodes.Status200OK, options)
            : PaymentAnswer.Of(new PlatformError(ProblemCodes.ProcessorFailed,
                $"The card processor refused the {operation.Kind} ({result.DeclineReason ?? result.Failure ?? "no reason given"}); the payment is unchanged."),
                view.Id, options);
    }
}
