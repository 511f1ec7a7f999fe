using System.Text.Json.Nodes;
using CommerceServices.Protocol;

namespace CommerceServices.Connector.Admin;

/// <summary>The data space's recent payments, for the Payment Services page, read through the connector's signed client.</summary>
internal sealed class AdminPayments(IHttpClientFactory clients, CommerceServicesConnector connector, Microsoft.Extensions.Options.IOptions<CommerceServicesConnectorOptions> options)
{
    public async Task<(IReadOnlyList<PaymentRow> Rows, SaveOutcome? Problem)> RecentAsync(int limit, CancellationToken ct)
    {
        var settings = connector.Settings;
        var environment = settings.Environment ?? (GatewayEnvironments.TryParse(options.Value.Environment, out var configured) ? configured : GatewayEnvironment.Sandbox);
        var gateway = (environment == GatewayEnvironment.Production ? settings.ProductionGatewayUrl : settings.SandboxGatewayUrl)
                      ?? (environment == GatewayEnvironment.Production ? options.Value.ProductionGatewayUrl : options.Value.SandboxGatewayUrl);
        try
        {
            using var response = await clients.CreateClient(AdminEndpoints.PaymentsHttpClientName)
                .GetAsync(new Uri(gateway, $"/payments/v1/payments?limit={limit}"), ct);
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct));
            if (!response.IsSuccessStatusCode)
            {
                var code = body?["code"]?.GetValue<string>() ?? $"http_{(int)response.StatusCode}";
                return ([], new SaveOutcome(false, code, body?["detail"]?.GetValue<string>() ?? "Payment Services refused to list the payments.", false));
            }

            var items = (body as JsonArray ?? body?["data"] as JsonArray ?? []).Take(limit);
            return (items.Select(Row).ToList(), null);
        }
        catch (HttpRequestException e)
        {
            return ([], new SaveOutcome(false, ConnectorCodes.PlatformUnreachable, $"Payment Services could not be reached ({e.Message}).", true));
        }
        catch (System.Text.Json.JsonException)
        {
            return ([], new SaveOutcome(false, ConnectorCodes.UnexpectedResponse, "Payment Services answered with a body that is not JSON.", false));
        }
    }

    private static PaymentRow Row(JsonNode? p)
    {
        var currency = p?["currency"]?.GetValue<string>() ?? "";
        var card = p?["card"] is { } c ? $"{c["brand"]?.GetValue<string>()} •••• {c["last4"]?.GetValue<string>()}" : "";
        return new PaymentRow(p?["id"]?.GetValue<string>() ?? "", p?["reference"]?.GetValue<string>() ?? "", p?["status"]?.GetValue<string>() ?? "",
            AdminEndpoints.Money(p?["amount"]?.GetValue<long>() ?? 0, currency), AdminEndpoints.Money(p?["capturedAmount"]?.GetValue<long>() ?? 0, currency),
            card, p?["createdAt"]?.GetValue<DateTimeOffset>());
    }
}
