using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
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

    /// <summary>
    /// Tells the service what an order held; false when it did not answer in time or refused (idempotent: the order id
    /// makes a second send change nothing, so <see cref="OrderEventSender"/> may simply send again).
    /// </summary>
    public async Task<bool> RecordOrderAsync(Order order, TimeSpan budget, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(budget);
        try
        {
            using var response = await http.PostAsJsonAsync(Url("recommendations/v1/events"),
                new { orderId = order.Id, lines = order.Lines.Select(l => new { sku = l.ProductId, quantity = l.Quantity }) }, Json, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                LogUnavailable(logger, (int)response.StatusCode);
            }

            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or CommerceServicesNotConfiguredException)
        {
            LogUnavailable(logger, 0);
            return false;
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

/// <summary>
/// Orders on their way to the recommendations service. The checkout hands an order over and confirms it at once; the
/// sender tries again while the service is slow, away or starting (a cold service can take seconds to answer its first
/// call), rather than forget what was bought. Kept in memory: orders not yet sent when the shop stops are not sent.
/// </summary>
public sealed partial class OrderEventSender(IServiceProvider services, ILogger<OrderEventSender> logger) : BackgroundService
{
    /// <summary>Waits between attempts for one order; after the last, the order is left out of the recommendations.</summary>
    private static readonly TimeSpan[] Retries = [.. new[] { 1, 2, 4, 8, 15, 30, 60, 60, 60, 60, 60, 60 }.Select(s => TimeSpan.FromSeconds(s))];

    private static readonly TimeSpan AttemptBudget = TimeSpan.FromSeconds(10);

    private readonly Channel<Order> _orders = Channel.CreateBounded<Order>(new BoundedChannelOptions(10_000) { SingleReader = true });

    /// <summary>Queues an order to be sent; false (and logged) only when ten thousand are already waiting.</summary>
    public bool Enqueue(Order order)
    {
        if (_orders.Writer.TryWrite(order))
        {
            return true;
        }

        LogQueueFull(logger, order.Id);
        return false;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var order in _orders.Reader.ReadAllAsync(stoppingToken))
        {
            for (var attempt = 0; ; attempt++)
            {
                var client = services.GetRequiredService<RecommendationsClient>();
                if (await client.RecordOrderAsync(order, AttemptBudget, stoppingToken))
                {
                    break;
                }

                if (attempt == Retries.Length)
                {
                    LogGaveUp(logger, order.Id, attempt + 1);
                    break;
                }

                await Task.Delay(Retries[attempt], stoppingToken);
            }
        }
    }

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Order {OrderId} was not sent to the recommendations service: ten thousand orders are waiting already.")]
    private static partial void LogQueueFull(ILogger logger, string orderId);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "Order {OrderId} was not recorded by the recommendations service after {Attempts} attempts; it is left out of the recommendations.")]
    private static partial void LogGaveUp(ILogger logger, string orderId, int attempts);
}
