using CommerceServices.Connector.Payments;
using CommerceServices.Protocol.Payments;

namespace CommerceServices.Connector.Admin;

/// <summary>The data space's recent payments, for the Payment Services page, through the connector's <see cref="PaymentsClient"/>.</summary>
internal sealed class AdminPayments(PaymentsClient payments)
{
    public async Task<(IReadOnlyList<PaymentRow> Rows, SaveOutcome? Problem)> RecentAsync(int limit, CancellationToken ct)
    {
        var listed = await payments.ListAsync(new PaymentListFilter(Limit: limit), ct);
        if (listed.Failure is { } failure)
        {
            return ([], new SaveOutcome(false, failure.Code, failure.Message, failure.Kind == GatewayFailureKind.Unreachable));
        }

        return (listed.Value!.Data.Select(Row).ToList(), null);
    }

    private static PaymentRow Row(PaymentRecord p) => new(p.Id, p.Reference, p.Status, AdminEndpoints.Money(p.Amount, p.Currency),
        AdminEndpoints.Money(p.CapturedAmount, p.Currency), p.Card is { } c ? $"{c.Brand} •••• {c.Last4}" : "", p.CreatedAt);
}
