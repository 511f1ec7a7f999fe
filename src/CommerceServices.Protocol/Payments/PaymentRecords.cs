namespace CommerceServices.Protocol.Payments;

/// <summary><c>POST /payments/v1/payments</c>: authorize <paramref name="Amount"/> (minor units) on a card.</summary>
public sealed record AuthorizePaymentRequest(string? Reference, long? Amount, string? Currency, CardDetails? Card);

/// <summary>
/// The card as the shop received it. It travels to the platform once, for the authorization; only its brand, last four
/// digits and expiry are kept.
/// </summary>
public sealed record CardDetails(string? Number, int? ExpMonth, int? ExpYear, string? Cvc)
{
    /// <summary>Never prints the number or the security code, whatever logs or debugger shows this record.</summary>
    public override string ToString() => $"CardDetails {{ ExpMonth = {ExpMonth}, ExpYear = {ExpYear} }}";
}

/// <summary><c>POST /payments/v1/payments/{id}/capture</c>: without an amount, the whole authorization.</summary>
public sealed record CapturePaymentRequest(long? Amount);

/// <summary><c>POST /payments/v1/payments/{id}/refunds</c>.</summary>
public sealed record RefundPaymentRequest(long? Amount);

/// <summary>What is kept of a card: never its number or security code.</summary>
public sealed record CardSummary(string Brand, string Last4, int ExpMonth, int ExpYear);

public sealed record RefundRecord(string Id, long Amount, DateTimeOffset CreatedAt);

/// <summary>A payment as Payment Services answers it. Amounts are in minor units of <see cref="Currency"/>.</summary>
public sealed record PaymentRecord(
    string Id,
    string Reference,
    string Status,
    string? DeclineReason,
    long Amount,
    long CapturedAmount,
    long RefundedAmount,
    string Currency,
    string DisplayAmount,
    CardSummary? Card,
    IReadOnlyList<RefundRecord> Refunds,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary><c>GET /payments/v1/payments</c>: a page, newest first; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record PaymentList(IReadOnlyList<PaymentRecord> Data, string? NextCursor);

/// <summary>
/// The states of a payment. Pending → authorized, declined or failed; authorized → captured (→ partially_refunded →
/// refunded) or voided; declined, failed, voided and refunded are final.
/// </summary>
public static class PaymentStatuses
{
    /// <summary>The authorization was sent to the card processor and its outcome is not recorded yet.</summary>
    public const string Pending = "pending";

    /// <summary>The authorization did not happen: the processor failed before doing it, or never received it. No money moved.</summary>
    public const string Failed = "failed";

    public const string Authorized = "authorized";
    public const string Declined = "declined";
    public const string Voided = "voided";
    public const string Captured = "captured";
    public const string PartiallyRefunded = "partially_refunded";
    public const string Refunded = "refunded";

    public static IReadOnlyList<string> All { get; } = [Pending, Authorized, Declined, Failed, Voided, Captured, PartiallyRefunded, Refunded];
}

/// <summary>Why an authorization was declined (<see cref="PaymentRecord.DeclineReason"/>).</summary>
public static class DeclineReasons
{
    public const string InsufficientFunds = "insufficient_funds";
    public const string ExpiredCard = "expired_card";
    public const string DoNotHonour = "do_not_honour";
}

/// <summary>Paths of Payment Services behind the gateway.</summary>
public static class PaymentPaths
{
    public const string Payments = "payments/v1/payments";

    public static string Payment(string id) => $"{Payments}/{Uri.EscapeDataString(id)}";

    public static string Capture(string id) => $"{Payment(id)}/capture";

    public static string Void(string id) => $"{Payment(id)}/void";

    public static string Refunds(string id) => $"{Payment(id)}/refunds";
}
