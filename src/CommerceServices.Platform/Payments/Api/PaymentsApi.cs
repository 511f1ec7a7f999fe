using CommerceServices.Platform.Gateway;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Observability;
using CommerceServices.Protocol.Payments;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CommerceServices.Platform.Payments;

/// <summary>
/// Payment Services behind both gateways (<c>/payments/v1</c>), in the data space of <c>x-data-space-id</c>. Every POST
/// honours an <c>Idempotency-Key</c> (<see cref="IdempotencyFilter"/>).
/// </summary>
public static class PaymentsApi
{
    public static RouteGroupBuilder MapPaymentsApi(this RouteGroupBuilder gateway)
    {
        var payments = gateway.MapGroup("/payments/v1/payments").WithTags("Payment Services")
            .WithMetadata(new Traffic.GatewayServiceMetadata(Accounts.ServiceCatalog.Payments)).AddEndpointFilter<PaymentsAccessFilter>()
            .WithOperationSpans(PlatformTracing.PaymentsPrefix);
        payments.MapPost("", Authorize).AddEndpointFilter<IdempotencyFilter>()
            .WithName("AuthorizePayment").WithSummary("Authorize a card payment; a declined card is recorded as declined.");
        payments.MapPost("/{id}/capture", Capture).AddEndpointFilter<IdempotencyFilter>()
            .WithName("CapturePayment").WithSummary("Capture an authorized payment, all of it or part, once.");
        payments.MapPost("/{id}/void", Void).AddEndpointFilter<IdempotencyFilter>()
            .WithName("VoidPayment").WithSummary("Release an authorized payment that is not captured.");
        payments.MapPost("/{id}/refunds", Refund).AddEndpointFilter<IdempotencyFilter>()
            .WithName("RefundPayment").WithSummary("Give back part or all of what was captured; several refunds may add up to the captured amount.");
        payments.MapGet("/{id}", Get).WithName("GetPayment").WithSummary("One payment of the caller's data space.");
        payments.MapGet("", List).WithName("ListPayments").WithSummary("Payments of the caller's data space, newest first, a page at a time.");
        return payments;
    }

    private static async Task<Results<Created<PaymentRecord>, ProblemHttpResult>> Authorize(
        AuthorizePaymentRequest? request, GatewayCaller caller, PaymentService payments, CancellationToken ct)
    {
        var outcome = await payments.AuthorizeAsync(caller, request, ct);
        return outcome.Error is { } error
            ? Problems.Of(error)
            : TypedResults.Created($"/{PaymentPaths.Payment(outcome.Value!.Id)}", outcome.Value);
    }

    private static async Task<Results<Ok<PaymentRecord>, ProblemHttpResult>> Capture(
        string id, CapturePaymentRequest? request, GatewayCaller caller, PaymentService payments, CancellationToken ct) =>
        (await payments.CaptureAsync(caller, id, request, ct)).ToOk(p => p);

    private static async Task<Results<Ok<PaymentRecord>, ProblemHttpResult>> Void(
        string id, GatewayCaller caller, PaymentService payments, CancellationToken ct) =>
        (await payments.VoidAsync(caller, id, ct)).ToOk(p => p);

    private static async Task<Results<Ok<PaymentRecord>, ProblemHttpResult>> Refund(
        string id, RefundPaymentRequest? request, GatewayCaller caller, PaymentService payments, CancellationToken ct) =>
        (await payments.RefundAsync(caller, id, request, ct)).ToOk(p => p);

    private static async Task<Results<Ok<PaymentRecord>, ProblemHttpResult>> Get(
        string id, GatewayCaller caller, PaymentService payments, CancellationToken ct) =>
        (await payments.GetAsync(caller, id, ct)).ToOk(p => p);

    private static async Task<Results<Ok<PaymentList>, ProblemHttpResult>> List(
        [AsParameters] PaymentListQuery query, GatewayCaller caller, PaymentService payments, CancellationToken ct) =>
        (await payments.ListAsync(caller, query, ct)).ToOk(p => p);
}
