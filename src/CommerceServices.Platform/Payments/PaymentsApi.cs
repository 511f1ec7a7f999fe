using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Gateway;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CommerceServices.Platform.Payments;

/// <summary>
/// Payment Services behind the gateway. It knows the caller only through the verified identity on the request
/// (account, environment, data space), never through keys.
/// </summary>
public static class PaymentsApi
{
    public static RouteGroupBuilder MapPaymentsApi(this RouteGroupBuilder gateway)
    {
        var payments = gateway.MapGroup("/payments/v1").WithTags("Payment Services").AddEndpointFilter<PaymentsAccessFilter>();
        payments.MapPost("/payments", Create).WithName("CreatePayment").WithSummary("Record a payment in the caller's data space.");
        payments.MapGet("/payments", List).WithName("ListPayments").WithSummary("Payments of the caller's data space, newest first.");
        return payments;
    }

    public sealed record CreatePaymentRequest(string? Reference, long? Amount, string? Currency);

    public sealed record PaymentView(string Id, string Reference, long Amount, string Currency, string Status, DateTimeOffset CreatedAt)
    {
        public static PaymentView Of(Payment p) => new(p.Id, p.Reference, p.Amount, p.Currency, p.Status, p.CreatedAt);
    }

    private static async Task<Results<Created<PaymentView>, ProblemHttpResult>> Create(
        CreatePaymentRequest? request, GatewayCaller caller, HttpContext http, PlatformDbContext db, TimeProvider time)
    {
        var reference = request?.Reference?.Trim();
        var currency = request?.Currency?.Trim().ToUpperInvariant();
        if (string.IsNullOrEmpty(reference) || reference.Length > 100)
        {
            return Problems.Of(ProblemCodes.InvalidRequest, "'reference' must be 1 to 100 characters.");
        }

        if (request!.Amount is not (> 0 and <= 1_000_000_000_000))
        {
            return Problems.Of(ProblemCodes.InvalidRequest, "'amount' must be a positive whole number of minor units (cents).");
        }

        if (currency is null || currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
        {
            return Problems.Of(ProblemCodes.InvalidRequest, "'currency' must be an ISO 4217 code such as EUR.");
        }

        var payment = new Payment
        {
            Id = Ids.New("pay"),
            DataSpaceId = caller.DataSpaceId!,
            Reference = reference,
            Amount = request.Amount.Value,
            Currency = currency,
            Status = "authorized",
            CreatedAt = time.GetUtcNow(),
        };
        db.Payments.Add(payment);
        await db.SaveChangesAsync(http.RequestAborted);
        return TypedResults.Created($"/payments/v1/payments/{payment.Id}", PaymentView.Of(payment));
    }

    private static async Task<Ok<List<PaymentView>>> List(GatewayCaller caller, HttpContext http, PlatformDbContext db)
    {
        var dataSpace = caller.DataSpaceId;
        var payments = await db.Payments.AsNoTracking().Where(p => p.DataSpaceId == dataSpace)
            .OrderByDescending(p => p.CreatedAt).ThenBy(p => p.Id).Take(500).ToListAsync(http.RequestAborted);
        return TypedResults.Ok(payments.Select(PaymentView.Of).ToList());
    }

    /// <summary>Payment Services needs a data space on every call and an account entitled to it (R14).</summary>
    private sealed class PaymentsAccessFilter(PlatformDbContext db) : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var caller = GatewayCaller.From(context.HttpContext.User);
            if (!await db.Entitlements.AnyAsync(e => e.AccountId == caller.AccountId && e.Service == ServiceCatalog.Payments,
                    context.HttpContext.RequestAborted))
            {
                return Problems.Of(ProblemCodes.NotEntitled,
                    "This account is not entitled to Payment Services; keys made by an entitled account are needed.");
            }

            if (caller.DataSpaceId is null)
            {
                return Problems.Of(ProblemCodes.DataSpaceRequired,
                    $"Payment Services acts on a data space: send its id in '{GatewayHeaders.DataSpaceId}'.");
            }

            return await next(context);
        }
    }
}
