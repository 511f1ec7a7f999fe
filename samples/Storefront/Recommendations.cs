using System.Net.Http.Json;
using System.Text.Json;
using CommerceServices.Connector;

namespace Storefront;

/// <summary>A product bought in the same orders as another, with how many orders that was.</summary>
public sealed record AlsoBoughtProduct(string Sku, int Orders);

/// <summary>
/// "Customers also bought", from the recommendations service behind the gateway: the connector's signed client (the same
/// key pair and data space as Payment Services, R8), so the shop holds no credential of its own for it. Recommendations
/// are a nicety: when the service is not there, not entitled or slow, the product page simply shows none.
/// </summary>
public sealed partial class RecommendationsClient(HttpClient http, ConnectorState state, ILogger<RecommendationsClient> logger)
{
    /// <summary>How long a product page waits for recommendations before showing the page without them.</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Products bought with <paramref name="sku"/>, most often first; empty when there is nothing to say or no answer.</summary>
    public async Task<IReadOnlyList<AlsoBoughtProduct>> AlsoBoughtAsync(string sku, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Budget);
        try
        {
            using var response = await http.GetAsync(Url($"recommendations/v1/products/{Uri.EscapeDataString(sku)}/also-bought?limit=3"), timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                LogUnavailable(logger, (int)response.StatusCode);
                return [];
            }

            var answer = await response.Content.ReadFromJsonAsync<AlsoBoughtAnswer>(Json, timeout.Token);
            return answer?.Products ?? [];
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException or CommerceServicesNotConfiguredException)
        {
            LogUnavailable(logger, 0);
            return [];
        }
    }

    /// <summary>Tells the service what an order held (idempotent: the order id makes a second send change nothing).</summary>
    public async Task RecordOrderAsync(Order order, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Budget);
        try
        {
            using var response = await http.PostAsJsonAsync(Url("recommendations/v1/events"),
                new { orderId = order.Id, lines = order.Lines.Select(l => new { sku = l.ProductId, quantity = l.Quantity }) }, Json, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                LogUnavailable(logger, (int)response.StatusCode);
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or CommerceServicesNotConfiguredException)
        {
            LogUnavailable(logger, 0);
        }
    }

    private Uri Url(string path)
    {
        var gateway = state.GatewayUrlOf(state.Settings, state.ActiveEnvironment).AbsoluteUri;
        return new Uri(new Uri(gateway.EndsWith('/') ? gateway : gateway + "/"), path);
    }

    private sealed record AlsoBoughtAnswer(string Sku, IReadOnlyList<AlsoBoughtProduct> Products);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Recommendations are not available now (status {Status}; 0: no answer).")]
    private static partial void LogUnavailable(ILogger logger, int status);
}
