namespace CommerceServices.Platform.Payments;

/// <summary>
/// A card processor, reached over a network that may lose a request or its answer. The sandbox gateway uses the
/// sandbox's own (<see cref="SandboxProcessor"/>, the reference implementation of this contract); production uses the one
/// the operator registers (<c>services.AddSingleton&lt;IPaymentProcessor, MyProcessor&gt;()</c>): without one, production
/// calls answer 503 <c>processor_not_configured</c>. The card number and security code an implementation receives must
/// not be logged or kept.
/// <para>
/// The contract that makes a call safe to repeat: every operation carries an <see cref="ProcessorOperation.IdempotencyKey"/>
/// of its own, derived from the payment and the operation. Receiving a key again must not do the work again; the answer
/// is the first result. <see cref="GetOperationAsync"/> tells what happened to an operation by its key. An operation
/// received after its <see cref="ProcessorOperation.NotAfter"/> must be refused, never executed, so that once that time
/// has passed "never received" is final: the platform then records the operation as not done.
/// </para>
/// <para>
/// Declines and failures are values: <see cref="ProcessorResult.Fail"/> only when the processor certainly did not do the
/// work, <see cref="ProcessorResult.Unknown"/> when it may have (a timeout, a connection lost after sending). An exception
/// thrown out of a call counts as an unknown outcome.
/// </para>
/// </summary>
public interface IPaymentProcessor
{
    Task<ProcessorResult> AuthorizeAsync(ProcessorAuthorization authorization, CancellationToken cancellationToken);

    Task<ProcessorResult> CaptureAsync(ProcessorCapture capture, CancellationToken cancellationToken);

    Task<ProcessorResult> VoidAsync(ProcessorVoid operation, CancellationToken cancellationToken);

    Task<ProcessorResult> RefundAsync(ProcessorRefund refund, CancellationToken cancellationToken);

    /// <summary>
    /// What happened to the operation of <paramref name="idempotencyKey"/>: its result (approved, declined or failed),
    /// <see cref="ProcessorOutcome.NotReceived"/> when the processor never received it, or
    /// <see cref="ProcessorOutcome.Unknown"/> when the processor could not be asked.
    /// </summary>
    Task<ProcessorResult> GetOperationAsync(string idempotencyKey, CancellationToken cancellationToken);
}

/// <summary>What every processor operation carries: its own idempotency key, and the time after which it must be refused.</summary>
public abstract record ProcessorOperation(string IdempotencyKey, DateTimeOffset NotAfter);

/// <summary>An authorization for the processor: the full card, which lives only as long as the call.</summary>
public sealed record ProcessorAuthorization(string IdempotencyKey, DateTimeOffset NotAfter, string Reference, long Amount, string Currency,
    string CardNumber, int ExpMonth, int ExpYear, string Cvc) : ProcessorOperation(IdempotencyKey, NotAfter)
{
    public override string ToString() =>
        $"ProcessorAuthorization {{ IdempotencyKey = {IdempotencyKey}, Reference = {Reference}, Amount = {Amount}, Currency = {Currency} }}";
}

public sealed record ProcessorCapture(string IdempotencyKey, DateTimeOffset NotAfter, string ProcessorReference, long Amount, string Currency)
    : ProcessorOperation(IdempotencyKey, NotAfter);

public sealed record ProcessorVoid(string IdempotencyKey, DateTimeOffset NotAfter, string ProcessorReference)
    : ProcessorOperation(IdempotencyKey, NotAfter);

public sealed record ProcessorRefund(string IdempotencyKey, DateTimeOffset NotAfter, string ProcessorReference, long Amount, string Currency)
    : ProcessorOperation(IdempotencyKey, NotAfter);

/// <summary>What the processor did with an operation, or what the platform could learn of it.</summary>
public enum ProcessorOutcome
{
    /// <summary>Done; money moved (or is held, for an authorization).</summary>
    Approved,

    /// <summary>Refused by the card's issuer or the processor; nothing moved.</summary>
    Declined,

    /// <summary>Certainly not done: the processor refused it before doing anything (or received it after its time).</summary>
    Failed,

    /// <summary>The processor never received it (only an answer of <see cref="IPaymentProcessor.GetOperationAsync"/>).</summary>
    NotReceived,

    /// <summary>Not known: it may or may not have been done. The platform asks again later, never guesses.</summary>
    Unknown,
}

/// <summary>
/// The processor's answer: the outcome, its reference for an approved authorization, a decline reason (see
/// <see cref="Protocol.Payments.DeclineReasons"/>), or a sentence saying why it failed or is unknown.
/// </summary>
public sealed record ProcessorResult(ProcessorOutcome Outcome, string? ProcessorReference = null, string? DeclineReason = null, string? Failure = null)
{
    public bool Approved => Outcome == ProcessorOutcome.Approved;

    /// <summary>Whether the outcome is settled: the platform can record it and answer.</summary>
    public bool IsFinal => Outcome is ProcessorOutcome.Approved or ProcessorOutcome.Declined or ProcessorOutcome.Failed;

    public static ProcessorResult Approve(string processorReference) => new(ProcessorOutcome.Approved, processorReference);

    public static ProcessorResult Decline(string reason) => new(ProcessorOutcome.Declined, DeclineReason: reason);

    public static ProcessorResult Fail(string failure) => new(ProcessorOutcome.Failed, Failure: failure);

    public static ProcessorResult NotReceived() => new(ProcessorOutcome.NotReceived, Failure: "The card processor never received the operation.");

    public static ProcessorResult Unknown(string reason) => new(ProcessorOutcome.Unknown, Failure: reason);
}
