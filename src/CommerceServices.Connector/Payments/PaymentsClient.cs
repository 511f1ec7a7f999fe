using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Payments;

namespace CommerceServices.Connector.Payments;

/// <summary>
/// Payment Services through the gateway of the connector's active environment, in its data space, signed by the
/// connector (<see cref="Microsoft.Extensions.DependencyInjection.CommerceServicesHttpClientBuilderExtensions.AddCommerceServicesSigning"/>). Every POST carries an
/// <c>Idempotency-Key</c>: one per logical operation, the same on every retry of it, so a retry never charges twice; pass
/// your own (an order id and step, for example) to make retries across restarts safe too. Results carry the platform's
/// codes; refusals are values, not exceptions.
/// </summary>
public sealed class PaymentsClient(HttpClient http, ConnectorState state)
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public Task<PaymentResult> AuthorizeAsync(AuthorizePaymentRequest request, string? idempotencyKey = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PostAsync(PaymentPaths.Payments, "authorize", request, idempotencyKey, ct);
    }

    /// <summary>Captures <paramref name="amount"/> (minor units), or the whole authorization when null. Once per payment.</summary>
    public Task<PaymentResult> CaptureAsync(string paymentId, long? amount = null, string? idempotencyKey = null, CancellationToken ct = default) =>
        PostAsync(PaymentPaths.Capture(paymentId), "capture", new CapturePaymentRequest(amount), idempotencyKey, ct);

    public Task<PaymentResult> VoidAsync(string paymentId, string? idempotencyKey = null, CancellationToken ct = default) =>
        PostAsync(PaymentPaths.Void(paymentId), "void", new { }, idempotencyKey, ct);

    public Task<PaymentResult> RefundAsync(string paymentId, long amount, string? idempotencyKey = null, CancellationToken ct = default) =>
        PostAsync(PaymentPaths.Refunds(paymentId), "refund", new RefundPaymentRequest(amount), idempotencyKey, ct);

    public async Task<PaymentResult> GetAsync(string paymentId, CancellationToken ct = default)
    {
        var result = await SendAsync<PaymentRecord>(new HttpRequestMessage(HttpMethod.Get, Url(PaymentPaths.Payment(paymentId))), "get", ct);
        return new PaymentResult(result.Value, result.Failure);
    }

    /// <summary>A page of payments, newest first; pass <see cref="PaymentList.NextCursor"/> as the next filter's cursor.</summary>
    public Task<GatewayResult<PaymentList>> ListAsync(PaymentListFilter? filter = null, CancellationToken ct = default)
    {
        var query = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                query.Add($"{name}={Uri.EscapeDataString(value)}");
            }
        }

        Add("status", filter?.Status);
        Add("reference", filter?.Reference);
        Add("createdFrom", filter?.CreatedFrom?.ToString("O", CultureInfo.InvariantCulture));
        Add("createdTo", filter?.CreatedTo?.ToString("O", CultureInfo.InvariantCulture));
        Add("limit", filter?.Limit?.ToString(CultureInfo.InvariantCulture));
        Add("cursor", filter?.Cursor);
        var path = PaymentPaths.Payments + (query.Count == 0 ? "" : "?" + string.Join('&', query));
        return SendAsync<PaymentList>(new HttpRequestMessage(HttpMethod.Get, Url(path)), "list", ct);
    }

    private async Task<PaymentResult> PostAsync(string path, string operation, object body, string? idempotencyKey, CancellationToken ct)
    {
        var key = string.IsNullOrWhiteSpace(idempotencyKey) ? Guid.NewGuid().ToString() : idempotencyKey.Trim();
        var request = new HttpRequestMessage(HttpMethod.Post, Url(path)) { Content = JsonContent.Create(body, options: JsonOptions) };
        // On the request itself, so every retry of this operation by the connector's handlers sends the same key.
        request.Headers.TryAddWithoutValidation(GatewayHeaders.IdempotencyKey, key);
        var result = await SendAsync<PaymentRecord>(request, operation, ct);
        return new PaymentResult(result.Value, result.Failure, key);
    }

    private Uri Url(string path)
    {
        var gateway = state.GatewayUrlOf(state.Settings, state.ActiveEnvironment).AbsoluteUri;
        return new Uri(new Uri(gateway.EndsWith('/') ? gateway : gateway + "/"), path);
    }

    private Task<GatewayResult<T>> SendAsync<T>(HttpRequestMessage request, string operation, CancellationToken ct) =>
        GatewayExchange.SendAsync<T>(http, request,
            new GatewayCall("payments." + operation, request.RequestUri!.GetLeftPart(UriPartial.Authority), "Payment Services' JSON"), ct);
}
