using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
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
        return PostAsync(PaymentPaths.Payments, request, idempotencyKey, ct);
    }

    /// <summary>Captures <paramref name="amount"/> (minor units), or the whole authorization when null. Once per payment.</summary>
    public Task<PaymentResult> CaptureAsync(string paymentId, long? amount = null, string? idempotencyKey = null, CancellationToken ct = default) =>
        PostAsync(PaymentPaths.Capture(paymentId), new CapturePaymentRequest(amount), idempotencyKey, ct);

    public Task<PaymentResult> VoidAsync(string paymentId, string? idempotencyKey = null, CancellationToken ct = default) =>
        PostAsync(PaymentPaths.Void(paymentId), new { }, idempotencyKey, ct);

    public Task<PaymentResult> RefundAsync(string paymentId, long amount, string? idempotencyKey = null, CancellationToken ct = default) =>
        PostAsync(PaymentPaths.Refunds(paymentId), new RefundPaymentRequest(amount), idempotencyKey, ct);

    public async Task<PaymentResult> GetAsync(string paymentId, CancellationToken ct = default)
    {
        var result = await SendAsync<PaymentRecord>(new HttpRequestMessage(HttpMethod.Get, Url(PaymentPaths.Payment(paymentId))), ct);
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
        return SendAsync<PaymentList>(new HttpRequestMessage(HttpMethod.Get, Url(path)), ct);
    }

    private async Task<PaymentResult> PostAsync(string path, object body, string? idempotencyKey, CancellationToken ct)
    {
        var key = string.IsNullOrWhiteSpace(idempotencyKey) ? Guid.NewGuid().ToString() : idempotencyKey.Trim();
        var request = new HttpRequestMessage(HttpMethod.Post, Url(path)) { Content = JsonContent.Create(body, options: JsonOptions) };
        // On the request itself, so every retry of this operation by the connector's handlers sends the same key.
        request.Headers.TryAddWithoutValidation(GatewayHeaders.IdempotencyKey, key);
        var result = await SendAsync<PaymentRecord>(request, ct);
        return new PaymentResult(result.Value, result.Failure, key);
    }

    private Uri Url(string path)
    {
        var gateway = state.GatewayUrlOf(state.Settings, state.ActiveEnvironment).AbsoluteUri;
        return new Uri(new Uri(gateway.EndsWith('/') ? gateway : gateway + "/"), path);
    }

    private async Task<GatewayResult<T>> SendAsync<T>(HttpRequestMessage request, CancellationToken ct)
    {
        using (request)
        {
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, ct);
            }
            catch (CommerceServicesNotConfiguredException e)
            {
                return new GatewayFailure(GatewayFailureKind.Refused, ConnectorCodes.NotConfigured, e.Message);
            }
            catch (HttpRequestException e)
            {
                return Unreachable(request.RequestUri!, e.Message);
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                return Unreachable(request.RequestUri!, $"no answer within {http.Timeout.TotalSeconds:0} seconds");
            }

            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(ct);
                var status = (int)response.StatusCode;
                if (!response.IsSuccessStatusCode)
                {
                    return Refusal(status, response.ReasonPhrase, text);
                }

                try
                {
                    return JsonSerializer.Deserialize<T>(text, JsonOptions) is { } value
                        ? value
                        : new GatewayFailure(GatewayFailureKind.Refused, ConnectorCodes.UnexpectedResponse, "The gateway answered null.", status);
                }
                catch (JsonException)
                {
                    return new GatewayFailure(GatewayFailureKind.Refused, ConnectorCodes.UnexpectedResponse,
                        $"The gateway answered {status} with a body that is not Payment Services' JSON: is {request.RequestUri!.GetLeftPart(UriPartial.Authority)} a Commerce Services gateway?",
                        status);
                }
            }
        }
    }

    private static GatewayFailure Unreachable(Uri url, string reason) =>
        new(GatewayFailureKind.Unreachable, ConnectorCodes.PlatformUnreachable, $"Could not reach the gateway at {url.GetLeftPart(UriPartial.Authority)} ({reason}).");

    private static GatewayFailure Refusal(int status, string? reason, string text) => RegistryClient.Refusal(status, reason, text);
}
