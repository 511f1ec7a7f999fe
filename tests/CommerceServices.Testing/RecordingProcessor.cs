using CommerceServices.Platform.Payments;

namespace CommerceServices.Testing;

/// <summary>
/// The test double behind <see cref="IPaymentProcessor"/>, for tests only (the product has no card processor): approves
/// every production authorization and counts them.
/// </summary>
public sealed class RecordingProcessor : IPaymentProcessor
{
    private int _authorizations;

    public int Authorizations => _authorizations;

    public Task<ProcessorResult> AuthorizeAsync(ProcessorAuthorization authorization, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _authorizations);
        return Task.FromResult(ProcessorResult.Approve($"test_{Guid.NewGuid():N}"));
    }

    public Task<ProcessorResult> CaptureAsync(string processorReference, long amount, string currency, CancellationToken cancellationToken) =>
        Task.FromResult(ProcessorResult.Approve(processorReference));

    public Task<ProcessorResult> VoidAsync(string processorReference, CancellationToken cancellationToken) =>
        Task.FromResult(ProcessorResult.Approve(processorReference));

    public Task<ProcessorResult> RefundAsync(string processorReference, long amount, string currency, CancellationToken cancellationToken) =>
        Task.FromResult(ProcessorResult.Approve(processorReference));
}
