namespace CommerceServices.Platform.Payments;

/// <summary>
/// Where a real card processor plugs in, for production payments. The product has none: without one registered
/// (<c>services.AddSingleton&lt;IPaymentProcessor, MyProcessor&gt;()</c> in the host), production authorizations answer 503
/// <c>processor_not_configured</c>. Sandbox payments never reach it; they go to the sandbox's test cards.
/// Implementations return declines and failures as values; the card number and security code they receive must not be
/// logged or kept.
/// </summary>
public interface IPaymentProcessor
{
    Task<ProcessorResult> AuthorizeAsync(ProcessorAuthorization authorization, CancellationToken cancellationToken);

    Task<ProcessorResult> CaptureAsync(string processorReference, long amount, string currency, CancellationToken cancellationToken);

    Task<ProcessorResult> VoidAsync(string processorReference, CancellationToken cancellationToken);

    Task<ProcessorResult> RefundAsync(string processorReference, long amount, string currency, CancellationToken cancellationToken);
}

/// <summary>An authorization for the processor: the full card, which lives only as long as the request.</summary>
public sealed record ProcessorAuthorization(string Reference, long Amount, string Currency, string CardNumber, int ExpMonth, int ExpYear, string Cvc)
{
    public override string ToString() => $"ProcessorAuthorization {{ Reference = {Reference}, Amount = {Amount}, Currency = {Currency} }}";
}

/// <summary>
/// What the processor did: approved (with its reference), declined (with a reason, see
/// <see cref="Protocol.Payments.DeclineReasons"/>), or failed to answer (<see cref="Failure"/>, a sentence).
/// </summary>
public sealed record ProcessorResult(bool Approved, string? ProcessorReference = null, string? DeclineReason = null, string? Failure = null)
{
    public static ProcessorResult Approve(string processorReference) => new(true, processorReference);

    public static ProcessorResult Decline(string reason) => new(false, DeclineReason: reason);

    public static ProcessorResult Fail(string failure) => new(false, Failure: failure);
}
