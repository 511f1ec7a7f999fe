using System.Collections.Concurrent;
using CommerceServices.Platform.Payments;

namespace CommerceServices.Testing;

/// <summary>
/// The test double behind <see cref="IPaymentProcessor"/>, for tests only (the product has no card processor): approves
/// every production operation, remembers each by its idempotency key (a key sent again gets its first result, as the
/// contract asks) and counts the operations it did.
/// </summary>
public sealed class RecordingProcessor : IPaymentProcessor
{
    private readonly ConcurrentDictionary<string, ProcessorResult> _done = new(StringComparer.Ordinal);
    private int _authorizations;
    private int _calls;

    public int Authorizations => _authorizations;

    /// <summary>Operations received, repeats of a key included.</summary>
    public int Calls => _calls;

    /// <summary>Operations done, by idempotency key (each key once, however often it was sent).</summary>
    public IReadOnlyDictionary<string, ProcessorResult> Done => _done;

    /// <summary>Waits this long after doing an operation before answering: a slow answer, during which a test can act.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Runs inside every operation, before it is done: a test's look at the world while the processor works.</summary>
    public Func<ProcessorOperation, Task>? OnOperation { get; set; }

    public Task<ProcessorResult> AuthorizeAsync(ProcessorAuthorization authorization, CancellationToken cancellationToken) =>
        DoAsync(authorization, () =>
        {
            Interlocked.Increment(ref _authorizations);
            return ProcessorResult.Approve($"test_{Guid.NewGuid():N}");
        }, cancellationToken);

    public Task<ProcessorResult> CaptureAsync(ProcessorCapture capture, CancellationToken cancellationToken) =>
        DoAsync(capture, () => ProcessorResult.Approve(capture.ProcessorReference), cancellationToken);

    public Task<ProcessorResult> VoidAsync(ProcessorVoid operation, CancellationToken cancellationToken) =>
        DoAsync(operation, () => ProcessorResult.Approve(operation.ProcessorReference), cancellationToken);

    public Task<ProcessorResult> RefundAsync(ProcessorRefund refund, CancellationToken cancellationToken) =>
        DoAsync(refund, () => ProcessorResult.Approve(refund.ProcessorReference), cancellationToken);

    public Task<ProcessorResult> GetOperationAsync(string idempotencyKey, CancellationToken cancellationToken) =>
        Task.FromResult(_done.TryGetValue(idempotencyKey, out var result) ? result : ProcessorResult.NotReceived());

    private async Task<ProcessorResult> DoAsync(ProcessorOperation operation, Func<ProcessorResult> work, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        if (OnOperation is { } look)
        {
            await look(operation);
        }

        ProcessorResult result;
        lock (_done)
        {
            result = _done.TryGetValue(operation.IdempotencyKey, out var first) ? first : _done[operation.IdempotencyKey] = work();
        }

        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken);
        }

        return result;
    }
}
