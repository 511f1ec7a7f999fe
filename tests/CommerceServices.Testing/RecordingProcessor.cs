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

    public int Authorizations => _authorizations;

    /// <summary>Operations done, by idempotency key (each key once, however often it was sent).</summary>
    public IReadOnlyDictionary<string, ProcessorResult> Done => _done;

    /// <summary>Waits this long inside every call, to give a test time to act while the processor is busy.</summary>
    public TimeSpan Delay { get; set; }

    public Task<ProcessorResult> AuthorizeAsync(ProcessorAuthorization authorization, CancellationToken cancellationToken) =>
        DoAsync(authorization.IdempotencyKey, () =>
        {
            Interlocked.Increment(ref _authorizations);
            return ProcessorResult.Approve($"test_{Guid.NewGuid():N}");
        }, cancellationToken);

    public Task<ProcessorResult> CaptureAsync(ProcessorCapture capture, CancellationToken cancellationToken) =>
        DoAsync(capture.IdempotencyKey, () => ProcessorResult.Approve(capture.ProcessorReference), cancellationToken);

    public Task<ProcessorResult> VoidAsync(ProcessorVoid operation, CancellationToken cancellationToken) =>
        DoAsync(operation.IdempotencyKey, () => ProcessorResult.Approve(operation.ProcessorReference), cancellationToken);

    public Task<ProcessorResult> RefundAsync(ProcessorRefund refund, CancellationToken cancellationToken) =>
        DoAsync(refund.IdempotencyKey, () => ProcessorResult.Approve(refund.ProcessorReference), cancellationToken);

    public Task<ProcessorResult> GetOperationAsync(string idempotencyKey, CancellationToken cancellationToken) =>
        Task.FromResult(_done.TryGetValue(idempotencyKey, out var result) ? result : ProcessorResult.NotReceived());

    private async Task<ProcessorResult> DoAsync(string key, Func<ProcessorResult> work, CancellationToken cancellationToken)
    {
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, CancellationToken.None);
        }

        lock (_done)
        {
            return _done.TryGetValue(key, out var first) ? first : _done[key] = work();
        }
    }
}
