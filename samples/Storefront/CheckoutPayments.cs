using CommerceServices.Connector.Payments;
using CommerceServices.Protocol.Payments;

namespace Storefront;

public sealed record CardInput(string Number, int ExpMonth, int ExpYear, string Cvc);

/// <summary>How paying ended: captured, declined (with the reason a shopper may read), or failed (with the platform's code).</summary>
public sealed record PaymentOutcome(bool Paid, string? PaymentId, string? Code, string Message, string? Card);

/// <summary>Pays an order through Payment Services with the connector's <see cref="PaymentsClient"/>: authorize, then capture in full.</summary>
public sealed class CheckoutPayments(PaymentsClient payments)
{
    public async Task<PaymentOutcome> PayAsync(string orderId, long amount, string currency, CardInput card, CancellationToken ct)
    {
        // Idempotency keys named after the order and step: a retry of this checkout never charges twice.
        var authorized = await payments.AuthorizeAsync(
            new AuthorizePaymentRequest(orderId, amount, currency, new CardDetails(card.Number, card.ExpMonth, card.ExpYear, card.Cvc)),
            $"{orderId}-authorize", ct);
        var label = authorized.Payment?.Card is { } summary ? $"{summary.Brand} •••• {summary.Last4}" : null;
        if (authorized.Declined)
        {
            return new PaymentOutcome(false, authorized.Payment!.Id, authorized.Code, Words(authorized.Payment.DeclineReason), label);
        }

        if (!authorized.Success)
        {
            return new PaymentOutcome(false, null, authorized.Code, authorized.Message ?? "Payment Services refused the payment.", null);
        }

        var captured = await payments.CaptureAsync(authorized.Payment!.Id, null, $"{orderId}-capture", ct);
        return captured.Success
            ? new PaymentOutcome(true, captured.Payment!.Id, null, "Paid.", label)
            : new PaymentOutcome(false, authorized.Payment.Id, captured.Code, captured.Message ?? "Payment Services did not capture the payment.", label);
    }

    private static string Words(string? reason) => reason switch
    {
        DeclineReasons.InsufficientFunds => "insufficient funds",
        DeclineReasons.ExpiredCard => "the card has expired",
        DeclineReasons.DoNotHonour => "the bank did not approve it",
        null or "" => "no reason given",
        _ => reason.Replace('_', ' '),
    };
}
