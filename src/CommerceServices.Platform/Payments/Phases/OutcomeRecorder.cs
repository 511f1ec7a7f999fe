using CommerceServices.Platform.Data;
using CommerceServices.Platform.Events;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Payments;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Payments;

/// <summary>
/// Phase 3, the last atomic phase: in one transaction, the operation moves to <see cref="RecoveryPoints.Finished"/> with
/// the processor's outcome, the payment takes its new state (and lets go of what the intent reserved), the event of the
/// change goes into the outbox, and the answer is stored with the client's idempotency key. The answer and the state
/// change are never in separate commits, so a retry can never find one without the other.
/// </summary>
internal sealed class OutcomeRecorder(PlatformDbContext db, EventOutbox outbox, SqliteWriteGate writeGate, TimeProvider time, IOptions<JsonOptions> json)
{
    /// <summary>
    /// Records a final <paramref name="result"/> and returns the answer; null when the operation was already finished by
    /// someone else (a retry or the recovery worker that got there first), whose answer then stands.
    /// </summary>
    public async Task<PaymentAnswer?> RecordAsync(PaymentOperation operation, ProcessorResult result, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
        var outcome = result.Outcome.ToString().ToLowerInvariant();
        var approved = result.Outcome == ProcessorOutcome.Approved;
        var reference = operation.Kind == OperationKinds.Authorize ? result.ProcessorReference : operation.ProcessorReference;
        using var writer = await writeGate.EnterAsync(db, cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var finished = await db.PaymentOperations
            .Where(o => o.Id == operation.Id && o.RecoveryPoint == RecoveryPoints.IntentRecorded)
            .ExecuteUpdateAsync(s => s
                .SetProperty(o => o.RecoveryPoint, RecoveryPoints.Finished)
                .SetProperty(o => o.Outcome, outcome)
                .SetProperty(o => o.Failure, result.Failure ?? result.DeclineReason)
                .SetProperty(o => o.ProcessorReference, reference)
                .SetProperty(o => o.FinishedAt, now), cancellationToken);
        if (finished == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return null;
        }

        var payments = db.Payments.Where(p => p.Id == operation.PaymentId);
        var amount = operation.Amount;
        string? eventType = null;
        switch (operation.Kind)
        {
            case OperationKinds.Authorize:
                var status = result.Outcome switch
                {
                    ProcessorOutcome.Approved => PaymentStatuses.Authorized,
                    ProcessorOutcome.Declined => PaymentStatuses.Declined,
                    _ => PaymentStatuses.Failed,
                };
                var declineReason = result.Outcome == ProcessorOutcome.Declined ? result.DeclineReason ?? DeclineReasons.DoNotHonour : null;
                await payments.ExecuteUpdateAsync(s => s
                    .SetProperty(p => p.Status, status)
                    .SetProperty(p => p.DeclineReason, declineReason)
                    .SetProperty(p => p.ProcessorReference, reference)
                    .SetProperty(p => p.UpdatedAt, now)
                    .SetProperty(p => p.Version, p => p.Version + 1), cancellationToken);
                eventType = status switch
                {
                    PaymentStatuses.Authorized => EventTypes.PaymentAuthorized,
                    PaymentStatuses.Declined => EventTypes.PaymentDeclined,
                    _ => EventTypes.PaymentFailed,
                };
                break;
            case OperationKinds.Capture when approved:
                await payments.ExecuteUpdateAsync(s => s
                    .SetProperty(p => p.Status, PaymentStatuses.Captured)
                    .SetProperty(p => p.CapturedAmount, amount)
                    .SetProperty(p => p.PendingOperationId, (string?)null)
                    .SetProperty(p => p.UpdatedAt, now)
                    .SetProperty(p => p.Version, p => p.Version + 1), cancellationToken);
                eventType = EventTypes.PaymentCaptured;
                break;
            case OperationKinds.Void when approved:
                await payments.ExecuteUpdateAsync(s => s
                    .SetProperty(p => p.Status, PaymentStatuses.Voided)
                    .SetProperty(p => p.PendingOperationId, (string?)null)
                    .SetProperty(p => p.UpdatedAt, now)
                    .SetProperty(p => p.Version, p => p.Version + 1), cancellationToken);
                eventType = EventTypes.PaymentVoided;
                break;
            case OperationKinds.Refund when approved:
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
                eventType = EventTypes.PaymentRefunded;
                break;
            case OperationKinds.Refund:
                // Refused or failed at the processor: the reservation goes, nothing else changes.
                await payments.ExecuteUpdateAsync(s => s
                    .SetProperty(p => p.PendingRefundAmount, p => p.PendingRefundAmount - amount)
                    .SetProperty(p => p.Version, p => p.Version + 1), cancellationToken);
                break;
            default:
                await payments.ExecuteUpdateAsync(s => s
                    .SetProperty(p => p.PendingOperationId, (string?)null)
                    .SetProperty(p => p.Version, p => p.Version + 1), cancellationToken);
                break;
        }

        await db.SaveChangesAsync(cancellationToken);
        var payment = await db.Payments.AsNoTracking().Include(p => p.Refunds).FirstAsync(p => p.Id == operation.PaymentId, cancellationToken);
        var view = PaymentService.View(payment);
        if (eventType is not null)
        {
            await outbox.AddAsync(eventType, operation.AccountId, operation.Environment, operation.DataSpaceId, payment.Id, view, now,
                payment.Version, cancellationToken);
        }

        var answer = AnswerFor(operation, result, view);
        if (operation.IdempotencyKey is { } key)
        {
            var stored = db.PaymentIdempotencyKeys.Attach(new IdempotencyRecord { DataSpaceId = operation.DataSpaceId, Key = key, Fingerprint = "" });
            stored.Entity.Status = answer.Status;
            stored.Entity.ContentType = answer.ContentType;
            stored.Entity.Location = answer.Location;
            stored.Entity.Body = answer.Body;
            stored.Property(r => r.Status).IsModified = true;
            stored.Property(r => r.ContentType).IsModified = true;
            stored.Property(r => r.Location).IsModified = true;
            stored.Property(r => r.Body).IsModified = true;
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return answer;
    }

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
