using CommerceServices.Platform.Gateway;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Observability;
using CommerceServices.Protocol.Payments;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CommerceServices.Platform.Payments;

/// <summary>
/// Payment Services behind both gateways (<c>/payments/v1</c>), in the data space of <c>x-data-space-id</c>. Every POST
/// honours an <c>Idempotency-Key</c> (<see cref="IdempotencyKeyHeader"/>): its answer is stored with the outcome.
/// </summary>
public static class PaymentsApi
{
    public static RouteGroupBuilder MapPaymentsApi(this RouteGroupBuilder gateway)
    {
        var payments = gateway.MapGroup("/payments/v1/payments").WithTags("Payment Services")
            .WithMetadata(new Traffic.GatewayServiceMetadata(Accounts.ServiceCatalog.Payments)).AddEndpointFilter<PaymentsAccessFilter>()
            .WithOperationSpans(PlatformTracing.PaymentsPrefix);
        payments.MapPost("", Authorize).Produces<PaymentRecord>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status400BadRequest)
            .WithName("AuthorizePayment").WithSummary("Authorize a card payment; a declined card is recorded as declined.");
        payments.MapPost("/{id}/capture", Capture).Produces<PaymentRecord>().ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("CapturePayment").WithSummary("Capture an authorized payment, all of it or part, once.");
        payments.MapPost("/{id}/void", Void).Produces<PaymentRecord>().ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("VoidPayment").WithSummary("Release an authorized payment that is not captured.");
        payments.MapPost("/{id}/refunds", Refund).Produces<PaymentRecord>().ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("RefundPayment").WithSummary("Give back part or all of what was captured; several refunds may add up to the captured amount.");
        payments.MapGet("/{id}", Get).WithName("GetPayment").WithSummary("One payment of the caller's data space.");
        payments.MapGet("", List).WithName("ListPayments").WithSummary("Payments of the caller's data space, newest first, a page at a time.");
        return payments;
    }

    private static async Task<IResult> Authorize(AuthorizePaymentRequest? request, IdempotencyKeyHeader key, GatewayCaller caller,
        PaymentService payments, HttpContext http, CancellationToken ct) =>
        key.Refusal is { } refused
            ? Problems.Of(refused)
            : Answer(await payments.AuthorizeAsync(caller, request, key.Key, Fingerprint(http, request), ct), http);

    private static async Task<IResult> Capture(string id, CapturePaymentRequest? request, IdempotencyKeyHeader key, GatewayCaller caller,
        PaymentService payments, HttpContext http, CancellationToken ct) =>
        key.Refusal is { } refused
            ? Problems.Of(refused)
            : Answer(await payments.CaptureAsync(caller, id, request, key.Key, Fingerprint(http, request), ct), http);

    private static async Task<IResult> Void(string id, IdempotencyKeyHeader key, GatewayCaller caller, PaymentService payments, HttpContext http,
        CancellationToken ct) =>
        key.Refusal is { } refused
            ? Problems.Of(refused)
            : Answer(await payments.VoidAsync(caller, id, key.Key, Fingerprint(http, null), ct), http);

    private static async Task<IResult> Refund(string id, RefundPaymentRequest? request, IdempotencyKeyHeader key, GatewayCaller caller,
        PaymentService payments, HttpContext http, CancellationToken ct) =>
        key.Refusal is { } refused
            ? Problems.Of(refused)
            : Answer(await payments.RefundAsync(caller, id, request, key.Key, Fingerprint(http, request), ct), http);

    private static async Task<Results<Ok<PaymentRecord>, ProblemHttpResult>> Get(
        string id, GatewayCaller caller, PaymentService payments, CancellationToken ct) =>
        (await payments.GetAsync(caller, id, ct)).ToOk(p => p);

    private static async Task<Results<Ok<PaymentList>, ProblemHttpResult>> List(
        [AsParameters] PaymentListQuery query, GatewayCaller caller, PaymentService payments, CancellationToken ct) =>
        (await payments.ListAsync(caller, query, ct)).ToOk(p => p);

    private static string Fingerprint(HttpContext http, object? request) =>
        IdempotencyKeyHeader.Fingerprint(http.Request.Method, http.Request.Path.Value ?? "", request);

    private static IResult Answer(PaymentCallResult result, HttpContext http) =>
        result.Refusal is { } refusal ? Problems.Of(refusal, http.Response) : new PaymentAnswerResult(result.Answer!, result.Replayed);
}
