using CommerceServices.Platform.Data;
using CommerceServices.Protocol.Payments;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Payments;

/// <summary>
/// The sandbox's card processor, and the reference implementation of <see cref="IPaymentProcessor"/>'s contract. It
/// approves or declines by test card (see <see cref="TestCards"/>) and moves no money, but otherwise behaves as a remote
/// processor must: it keeps books of every operation key it received (<see cref="SandboxProcessorOperation"/>, committed
/// on their own, never in a payment's transaction), answers a key it has seen with the first result, refuses an
/// operation received after its deadline, and tells what happened to a key. <see cref="SandboxProcessorOptions"/> makes it
/// slow or unreliable like a network: a delay on the way there and back, refusals before doing anything, answers lost
/// after doing it.
/// </summary>
internal sealed class SandboxProcessor(IServiceScopeFactory scopes, SqliteWriteGate writeGate, TimeProvider time, IOptions<PaymentsOptions> options)
    : IPaymentProcessor
{
    public Task<ProcessorResult> AuthorizeAsync(ProcessorAuthorization authorization, CancellationToken cancellationToken)
    {
        var card = TestCards.Find(authorization.CardNumber);
        var now = time.GetUtcNow();
        var result = card?.DeclineReason is { } reason ? ProcessorResult.Decline(reason)
            : (authorization.ExpYear, authorization.ExpMonth).CompareTo((now.Year, now.Month)) < 0 ? ProcessorResult.Decline(DeclineReasons.ExpiredCard)
            : ProcessorResult.Approve(Ids.New("sbx"));
        return ExecuteAsync(authorization, OperationKinds.Authorize, authorization.Amount, authorization.Currency, result, cancellationToken);
    }

    public Task<ProcessorResult> CaptureAsync(ProcessorCapture capture, CancellationToken cancellationToken) =>
        ExecuteAsync(capture, OperationKinds.Capture, capture.Amount, capture.Currency, ProcessorResult.Approve(capture.ProcessorReference), cancellationToken);

    public Task<ProcessorResult> VoidAsync(ProcessorVoid operation, CancellationToken cancellationToken) =>
        ExecuteAsync(operation, OperationKinds.Void, 0, null, ProcessorResult.Approve(operation.ProcessorReference), cancellationToken);

    public Task<ProcessorResult> RefundAsync(ProcessorRefund refund, CancellationToken cancellationToken) =>
        ExecuteAsync(refund, OperationKinds.Refund, refund.Amount, refund.Currency, ProcessorResult.Approve(refund.ProcessorReference), cancellationToken);

    public async Task<ProcessorResult> GetOperationAsync(string idempotencyKey, CancellationToken cancellationToken)
    {
        await DelayAsync(cancellationToken);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var recorded = await db.SandboxProcessorOperations.AsNoTracking().FirstOrDefaultAsync(o => o.Key == idempotencyKey, cancellationToken);
        return recorded is null ? ProcessorResult.NotReceived() : ResultOf(recorded);
    }

    private async Task<ProcessorResult> ExecuteAsync(ProcessorOperation operation, string kind, long amount, string? currency,
        ProcessorResult decision, CancellationToken cancellationToken)
    {
        var sandbox = options.Value.Sandbox;
        await DelayAsync(cancellationToken); // on the way there
        if (sandbox.FailureRate > 0 && Random.Shared.NextDouble() < sandbox.FailureRate)
        {
            return ProcessorResult.Fail("The sandbox processor is unavailable (a failure injected by Payments:Sandbox:FailureRate); nothing was done.");
        }

        if (time.GetUtcNow() > operation.NotAfter)
        {
            decision = ProcessorResult.Fail("The sandbox processor received the operation after its deadline and did not do it.");
        }

        var result = await RecordOnceAsync(operation.IdempotencyKey, kind, amount, currency, decision, cancellationToken);
        if (sandbox.LostAnswerRate > 0 && Random.Shared.NextDouble() < sandbox.LostAnswerRate)
        {
            return ProcessorResult.Unknown("The sandbox processor's answer was lost on the way back (injected by Payments:Sandbox:LostAnswerRate).");
        }

        await DelayAsync(cancellationToken); // and back
        return result;
    }

    /// <summary>Records the result under the key unless the key was seen before; either way returns the key's first result.</summary>
    private async Task<ProcessorResult> RecordOnceAsync(string key, string kind, long amount, string? currency, ProcessorResult decision,
        CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var outcome = decision.Outcome.ToString().ToLowerInvariant();
        var receivedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
        int inserted;
        using (await writeGate.EnterAsync(db, cancellationToken))
        {
            inserted = await db.Database.ExecuteSqlInterpolatedAsync(
                $"""
                 INSERT INTO "SandboxProcessorOperations" ("Key", "Kind", "Amount", "Currency", "Outcome", "ProcessorReference", "DeclineReason", "Failure", "ReceivedAt")
                 VALUES ({key}, {kind}, {amount}, {currency}, {outcome}, {decision.ProcessorReference}, {decision.DeclineReason}, {decision.Failure}, {receivedAt})
                 ON CONFLICT ("Key") DO NOTHING
                 """, cancellationToken);
        }

        if (inserted == 1)
        {
            return decision;
        }

        var first = await db.SandboxProcessorOperations.AsNoTracking().FirstAsync(o => o.Key == key, cancellationToken);
        return ResultOf(first);
    }

    private static ProcessorResult ResultOf(SandboxProcessorOperation recorded) =>
        new(Enum.Parse<ProcessorOutcome>(recorded.Outcome, ignoreCase: true), recorded.ProcessorReference, recorded.DeclineReason, recorded.Failure);

    private Task DelayAsync(CancellationToken cancellationToken) =>
        options.Value.Sandbox.Latency is { Ticks: > 0 } latency ? Task.Delay(latency, time, cancellationToken) : Task.CompletedTask;
}
