using CommerceServices.Connector.Webhooks;
using CommerceServices.Protocol.Webhooks;

namespace Storefront;

/// <summary>
/// The shop's webhook handler: a payment captured or refunded (through the checkout, the API or the CLI) shows on its
/// order. The payment's reference is the order id. Setting the state the event carries is the same however often it
/// comes, and the platform delivers a payment's events in order.
/// </summary>
public static class OrderWebhooks
{
    private static readonly SemaphoreSlim Writer = new(1, 1);

    public static async Task HandleAsync(CommerceServicesEvent received, IServiceProvider services, CancellationToken ct)
    {
        if (received is not PaymentEvent { Type: WebhookEventTypes.PaymentCaptured or WebhookEventTypes.PaymentRefunded } paymentEvent
            || !OrderStore.IsOrderId(paymentEvent.Payment.Reference))
        {
            return; // not about one of this shop's orders: acknowledged, nothing to do
        }

        var payment = paymentEvent.Payment;
        var orders = services.GetRequiredService<OrderStore>();
        await Writer.WaitAsync(ct);
        try
        {
            // The checkout saves the order right after the capture's answer; an event that comes first finds no order yet
            // and fails, so the platform sends it again a few seconds later.
            var order = await orders.FindAsync(payment.Reference, ct)
                ?? throw new InvalidOperationException($"Order {payment.Reference} is not saved yet.");
            if (order.PaymentUpdatedAt is { } seen && seen > payment.UpdatedAt)
            {
                return; // an older state than the one shown (a replay of an earlier event)
            }

            await orders.SaveAsync(order with { PaymentStatus = payment.Status, RefundedAmount = payment.RefundedAmount, PaymentUpdatedAt = payment.UpdatedAt }, ct);
        }
        finally
        {
            Writer.Release();
        }
    }
}
