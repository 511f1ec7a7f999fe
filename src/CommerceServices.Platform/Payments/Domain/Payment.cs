namespace CommerceServices.Platform.Payments;

/// <summary>
/// A payment in the data space of the instance that made it. Only the brand, last four digits and expiry of its card
/// are kept: never the number or the security code.
/// </summary>
public sealed class Payment
{
    public required string Id { get; init; }

    public required string DataSpaceId { get; init; }

    public required string Reference { get; init; }

    /// <summary>The authorized amount, in minor units of <see cref="Currency"/>.</summary>
    public long Amount { get; init; }

    public required string Currency { get; init; }

    public required string Status { get; set; }

    public string? DeclineReason { get; set; }

    public long CapturedAmount { get; set; }

    public long RefundedAmount { get; set; }

    /// <summary>Null only for payments recorded before cards were taken (databases older than this schema).</summary>
    public string? CardBrand { get; init; }

    public string? CardLast4 { get; init; }

    public int? CardExpMonth { get; init; }

    public int? CardExpYear { get; init; }

    /// <summary>The processor's id of the authorization, for capture, void and refund.</summary>
    public string? ProcessorReference { get; set; }

    /// <summary>
    /// For a copy (R18): the id of the payment it was first copied from, the same however often it is carried on, so
    /// copying again never duplicates it. Null for a payment made here.
    /// </summary>
    public string? OriginId { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>
    /// Concurrency token: two transitions racing on one payment, one wins and the other sees the new state. It grows with
    /// every change, so it is also the order of the payment's events (<see cref="Events.OutboxEvent.Sequence"/>).
    /// </summary>
    public int Version { get; set; }

    /// <summary>
    /// A capture or void recorded as an intent and not yet finished: it holds the payment, so another capture or void is
    /// refused until the processor's answer is recorded. Null when none is in flight.
    /// </summary>
    public string? PendingOperationId { get; set; }

    /// <summary>Refunds recorded as intents and not yet finished: reserved, so refunds in flight never add up to more than was captured.</summary>
    public long PendingRefundAmount { get; set; }

    public List<Refund> Refunds { get; init; } = [];
}

/// <summary>Money given back on a captured payment; several may add up to at most the captured amount.</summary>
public sealed class Refund
{
    public required string Id { get; init; }

    public required string PaymentId { get; init; }

    public required string DataSpaceId { get; init; }

    public long Amount { get; init; }

    /// <summary>See <see cref="Payment.OriginId"/>.</summary>
    public string? OriginId { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>
/// The first answer to a POST that carried an <c>Idempotency-Key</c>, kept per data space so a retry gets it again instead
/// of doing the work twice. <see cref="Status"/> is null while the first request's operation is unfinished; the answer is
/// written in the same transaction as the operation's outcome, never in a commit of its own.
/// </summary>
public sealed class IdempotencyRecord
{
    public required string DataSpaceId { get; init; }

    public required string Key { get; init; }

    /// <summary>SHA-256 of the method, path and request (with the card reduced to what is stored of it).</summary>
    public required string Fingerprint { get; init; }

    public int? Status { get; set; }

    public string? ContentType { get; set; }

    public string? Location { get; set; }

    public byte[]? Body { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>
    /// The operation the first request recorded (<see cref="PaymentOperation"/>): a retry while <see cref="Status"/> is null
    /// waits for it, or finishes it. Null only for keys written before operations existed.
    /// </summary>
    public string? OperationId { get; set; }
}
