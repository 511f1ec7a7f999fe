namespace CommerceServices.Platform.Payments;

/// <summary>
/// One money-moving call on a payment (authorize, capture, void, refund) as a small state machine over atomic phases,
/// after Brandur Leach's "Implementing Stripe-like Idempotency Keys in Postgres": its <see cref="RecoveryPoint"/> says how
/// far it got, so that whoever finishes it — the request itself, a retry with the same key, or the
/// <see cref="PaymentCompleter"/> — goes on from there. The article keeps the recovery point on the idempotency key row;
/// here it lives on the operation, because a call without an <c>Idempotency-Key</c> moves money too and must be finished
/// all the same. A client's key, when there is one, points at its operation (<see cref="IdempotencyRecord.OperationId"/>).
/// </summary>
public sealed class PaymentOperation
{
    public required string Id { get; init; }

    public required string PaymentId { get; init; }

    public required string DataSpaceId { get; init; }

    /// <summary>The account and environment of the caller, for the processor to use and for the events.</summary>
    public required string AccountId { get; init; }

    public required string Environment { get; init; }

    public required string Kind { get; init; }

    /// <summary>Minor units: the authorization, capture or refund amount; 0 for a void.</summary>
    public long Amount { get; init; }

    public required string Currency { get; init; }

    /// <summary>
    /// The processor's reference of the authorization: known from the start for a capture, void or refund; for an
    /// authorization, the one the processor gave when it approved.
    /// </summary>
    public string? ProcessorReference { get; set; }

    /// <summary>The id the refund gets when it succeeds, chosen when the intent is recorded so it never changes.</summary>
    public string? RefundId { get; init; }

    /// <summary>
    /// The key the processor sees: derived from the payment and the operation
    /// (<c>{paymentId}/{kind}/{operationId}</c>), the same on every attempt, so repeating the call is harmless.
    /// </summary>
    public required string ProcessorKey { get; init; }

    public required string RecoveryPoint { get; set; }

    /// <summary>Until then the caller that recorded the intent (or took it over) is working on it; then anyone may.</summary>
    public DateTimeOffset LockedUntil { get; set; }

    /// <summary>The latest <see cref="ProcessorOperation.NotAfter"/> sent: after it, "never received" is final.</summary>
    public DateTimeOffset NotAfter { get; set; }

    /// <summary>The client's <c>Idempotency-Key</c>, whose stored answer phase 3 writes; null for a call without one.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Attempts at the processor, the first included: each recovery adds one.</summary>
    public int Attempts { get; set; }

    /// <summary>The recorded <see cref="ProcessorOutcome"/> (approved, declined, failed); null until finished.</summary>
    public string? Outcome { get; set; }

    public string? Failure { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; set; }
}

/// <summary>The calls that move money, as <see cref="PaymentOperation.Kind"/> names them.</summary>
public static class OperationKinds
{
    public const string Authorize = "authorize";
    public const string Capture = "capture";
    public const string Void = "void";
    public const string Refund = "refund";
}

/// <summary>
/// How far an operation got, named as the article names its recovery points. <see cref="Started"/> is the article's
/// first point (the key is claimed); here the claim and the intent commit together, so an operation is first stored at
/// <see cref="IntentRecorded"/> (the article's <c>ride_created</c>: the local record exists, the foreign state mutation —
/// the processor call — may or may not have happened), and <see cref="Finished"/> once the outcome, the new payment state,
/// its event and the stored answer committed together. There is no point between the processor's answer and
/// <see cref="Finished"/> (the article's <c>charge_created</c>): recording the answer is the last phase, and a crash before
/// it is recovered by asking the processor again under the same key.
/// </summary>
public static class RecoveryPoints
{
    public const string Started = "started";
    public const string IntentRecorded = "intent_recorded";
    public const string Finished = "finished";
}

/// <summary>
/// The card processor's books in the sandbox: one row per operation key it received, with its result. A remote
/// processor keeps such books on its side; the sandbox keeps them in the platform's database, each in a transaction of
/// its own, never in a payment's, so that a platform that dies between phases finds out what the sandbox did exactly as
/// it would from a real processor.
/// </summary>
public sealed class SandboxProcessorOperation
{
    public required string Key { get; init; }

    public required string Kind { get; init; }

    public long Amount { get; init; }

    public string? Currency { get; init; }

    public required string Outcome { get; init; }

    public string? ProcessorReference { get; init; }

    public string? DeclineReason { get; init; }

    public string? Failure { get; init; }

    public DateTimeOffset ReceivedAt { get; init; }
}
