using System.Text.Json;

namespace CommerceServices.Protocol.Webhooks;

/// <summary>
/// The body of every webhook delivery. <see cref="Data"/> is the subject as the platform's API returns it: a payment
/// (<c>PaymentRecord</c>), a key pair (<see cref="WebhookKey"/>), a data space (<c>DataSpaceView</c>) or, for the test
/// event, <see cref="WebhookTest"/>.
/// </summary>
/// <param name="Id">The event's id (<c>evt_…</c>), also sent as <c>webhook-id</c>.</param>
/// <param name="DataSpaceId">The data space the subject lives in; absent for keys.</param>
public sealed record WebhookEvent(string Id, string Type, DateTimeOffset CreatedAt, string Environment, string? DataSpaceId, JsonElement Data);

/// <summary>A key pair in <c>key.*</c> events: its public data only, as the management API lists it.</summary>
public sealed record WebhookKey(
    string ApiKey,
    string Environment,
    string Status,
    string Origin,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt,
    DateTimeOffset? LastUsedAt);

/// <summary>The data of the <c>webhook.test</c> event.</summary>
public sealed record WebhookTest(string EndpointId, string Message);
