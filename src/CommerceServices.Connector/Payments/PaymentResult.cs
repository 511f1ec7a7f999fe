using CommerceServices.Protocol;
using CommerceServices.Protocol.Payments;

namespace CommerceServices.Connector.Payments;

/// <summary>
/// How a Payment Services call ended: the payment, or the platform's refusal (its stable <c>code</c> and sentence), or
/// why the gateway could not be reached. A declined card is a payment with status <c>declined</c>, reported with the
/// code <c>card_declined</c>. Never an exception for a refusal.
/// </summary>
public readonly record struct PaymentResult(PaymentRecord? Payment, GatewayFailure? Failure, string? IdempotencyKey = null)
{
    /// <summary>The call did what was asked: the card was not declined and the platform did not refuse.</summary>
    public bool Success => Failure is null && Payment is not null && !Declined;

    public bool Declined => Payment?.Status == PaymentStatuses.Declined;

    /// <summary>The platform's code: a problem's <c>code</c>, <c>card_declined</c> for a declined card, null on success.</summary>
    public string? Code => Failure?.Code ?? (Declined ? ProblemCodes.CardDeclined : null);

    public string? Message => Failure?.Message ?? (Declined ? $"The card was declined ({Payment!.DeclineReason})." : null);
}

/// <summary>Filters of <see cref="PaymentsClient.ListAsync"/>; all optional.</summary>
public sealed record PaymentListFilter(
    string? Status = null,
    string? Reference = null,
    DateTimeOffset? CreatedFrom = null,
    DateTimeOffset? CreatedTo = null,
    int? Limit = null,
    string? Cursor = null);
