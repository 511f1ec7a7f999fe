using System.Text.Json;
using CommerceServices.Protocol.Payments;
using CommerceServices.Protocol.Registry;
using CommerceServices.Protocol.Webhooks;

namespace CommerceServices.Connector.Webhooks;

/// <summary>
/// An event the platform pushed to this instance, verified. Match on the subclass for typed data: <see cref="PaymentEvent"/>,
/// <see cref="KeyEvent"/>, <see cref="DataSpaceEvent"/>, <see cref="TestEvent"/>; a type this version does not know
/// arrives as this base class with its raw <see cref="Data"/>. <see cref="Id"/> is the <c>webhook-id</c>: the same on
/// every retry and replay.
/// </summary>
public record CommerceServicesEvent(string Id, string Type, DateTimeOffset CreatedAt, string Environment, string? DataSpaceId, JsonElement Data)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The typed event for a delivery's body; null when the body is not an event.</summary>
    public static CommerceServicesEvent? Parse(string body)
    {
        var wire = JsonSerializer.Deserialize<WebhookEvent>(body, Json);
        if (wire is null || string.IsNullOrEmpty(wire.Id) || string.IsNullOrEmpty(wire.Type))
        {
            return null;
        }

        var basic = new CommerceServicesEvent(wire.Id, wire.Type, wire.CreatedAt, wire.Environment, wire.DataSpaceId, wire.Data.Clone());
        var group = wire.Type.Split('.')[0];
        return group switch
        {
            "payment" when wire.Data.Deserialize<PaymentRecord>(Json) is { } payment => new PaymentEvent(basic, payment),
            "key" when wire.Data.Deserialize<WebhookKey>(Json) is { } key => new KeyEvent(basic, key),
            "data_space" when wire.Data.Deserialize<DataSpaceView>(Json) is { } dataSpace => new DataSpaceEvent(basic, dataSpace),
            "webhook" when wire.Type == WebhookEventTypes.Test && wire.Data.Deserialize<WebhookTest>(Json) is { } test => new TestEvent(basic, test),
            _ => basic,
        };
    }
}

/// <summary><c>payment.authorized</c>, <c>.declined</c>, <c>.failed</c>, <c>.captured</c>, <c>.voided</c>, <c>.refunded</c>: the payment after the change.</summary>
public sealed record PaymentEvent(CommerceServicesEvent Event, PaymentRecord Payment) : CommerceServicesEvent(Event);

/// <summary><c>key.created</c>, <c>.rolled</c>, <c>.revoked</c>, <c>.expiring</c>: the key pair's public data.</summary>
public sealed record KeyEvent(CommerceServicesEvent Event, WebhookKey Key) : CommerceServicesEvent(Event);

/// <summary><c>data_space.bound</c>, <c>.released</c>: the data space after the change.</summary>
public sealed record DataSpaceEvent(CommerceServicesEvent Event, DataSpaceView DataSpace) : CommerceServicesEvent(Event);

/// <summary><c>webhook.test</c>: sent from the portal, the API or the CLI to check the endpoint; it changes nothing.</summary>
public sealed record TestEvent(CommerceServicesEvent Event, WebhookTest Test) : CommerceServicesEvent(Event);
