using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommerceServices.Connector;
using CommerceServices.Protocol;

namespace Storefront;

public sealed record CardInput(string Number, int ExpMonth, int ExpYear, string Cvc);

/// <summary>How paying ended: captured, declined (with the reason a shopper may read), or failed (with the platform's code).</summary>
public sealed record PaymentOutcome(bool Paid, string? PaymentId, string? Code, string Message, string? Card);

/// <summary>Pays an order through Payment Services: authorize, then capture in full.</summary>
public sealed class CheckoutPayments(IHttpClientFactory clients, CommerceServicesConnector connector, Microsoft.Extensions.Options.IOptions<CommerceServicesConnectorOptions> options)
{
    public const string HttpClientName = "Storefront.Payments";

    public async Task<PaymentOutcome> PayAsync(string orderId, long amount, string currency, CardInput card, CancellationToken ct)
    {
        var settings = connector.Settings;
        var environment = settings.Environment ?? (GatewayEnvironments.TryParse(options.Value.Environment, out var configured) ? configured : GatewayEnvironment.Sandbox);
        var gateway = (environment == GatewayEnvironment.Production ? settings.ProductionGatewayUrl : settings.SandboxGatewayUrl)
                      ?? (environment == GatewayEnvironment.Production ? options.Value.ProductionGatewayUrl : options.Value.SandboxGatewayUrl);
        var client = clients.CreateClient(HttpClientName);
        try
        {
            using var authorize = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, "/payments/v1/payments"))
            {
                Content = JsonContent.Create(new
                {
                    reference = orderId, amount, currency,
                    card = new { number = card.Number, expMonth = card.ExpMonth, expYear = card.ExpYear, cvc = card.Cvc },
                }),
            };
            authorize.Headers.TryAddWithoutValidation(GatewayHeaders.IdempotencyKey, $"{orderId}-authorize");
            using var response = await client.SendAsync(authorize, ct);
            var body = Parse(await response.Content.ReadAsStringAsync(ct));
            if (!response.IsSuccessStatusCode)
            {
                return Failed(body, response);
            }

            var id = body?["id"]?.GetValue<string>();
            var cardLabel = body?["card"] is { } c ? $"{c["brand"]?.GetValue<string>()} •••• {c["last4"]?.GetValue<string>()}" : null;
            if (body?["status"]?.GetValue<string>() == "declined")
            {
                return new PaymentOutcome(false, id, "card_declined", body?["declineReason"]?.GetValue<string>() ?? "declined", cardLabel);
            }

            using var capture = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, $"/payments/v1/payments/{Uri.EscapeDataString(id!)}/capture"))
            {
                Content = JsonContent.Create(new { }),
            };
            capture.Headers.TryAddWithoutValidation(GatewayHeaders.IdempotencyKey, $"{orderId}-capture");
            using var captured = await client.SendAsync(capture, ct);
            if (!captured.IsSuccessStatusCode)
            {
                return Failed(Parse(await captured.Content.ReadAsStringAsync(ct)), captured);
            }

            return new PaymentOutcome(true, id, null, "Paid.", cardLabel);
        }
        catch (HttpRequestException e)
        {
            return new PaymentOutcome(false, null, ConnectorCodes.PlatformUnreachable, $"Payment Services could not be reached ({e.Message}).", null);
        }
        catch (CommerceServicesNotConfiguredException e)
        {
            return new PaymentOutcome(false, null, ConnectorCodes.NotConfigured, e.Message, null);
        }
    }

    private static JsonNode? Parse(string text)
    {
        try
        {
            return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return null; // not the protocol (a proxy's page): reported by status code
        }
    }

    private static PaymentOutcome Failed(JsonNode? body, HttpResponseMessage response) => new(false, null,
        body?["code"]?.GetValue<string>() ?? $"http_{(int)response.StatusCode}",
        body?["detail"]?.GetValue<string>() ?? response.ReasonPhrase ?? "Payment Services refused the payment.", null);
}
