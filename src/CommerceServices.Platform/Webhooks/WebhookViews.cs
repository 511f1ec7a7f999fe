namespace CommerceServices.Platform.Webhooks;

/// <summary>An endpoint as the API answers it: never its secrets, only when each was made and until when it is valid.</summary>
public sealed record WebhookEndpointView(
    string Id, string Url, string Environment, IReadOnlyList<string> Events, string? Description, string Status, bool Enabled,
    string? DisabledReason, DateTimeOffset? DisabledAt, DateTimeOffset? FailingSince, IReadOnlyList<WebhookSecretView> Secrets,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static WebhookEndpointView Of(WebhookEndpoint e, DateTimeOffset now) => new(
        e.Id, e.Url, e.Environment, e.EventPatterns, e.Description, StatusOf(e), e.Enabled, e.DisabledReason, e.DisabledAt, e.FailingSince,
        e.Secrets.Where(s => s.IsValidAt(now)).OrderBy(s => s.CreatedAt).Select(s => new WebhookSecretView(s.CreatedAt, s.ExpiresAt)).ToList(),
        e.CreatedAt, e.UpdatedAt);

    /// <summary><c>enabled</c>, <c>failing</c> (its last attempts failed) or <c>disabled</c>.</summary>
    public static string StatusOf(WebhookEndpoint e) => !e.Enabled ? "disabled" : e.FailingSince is not null ? "failing" : "enabled";
}

public sealed record WebhookSecretView(DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

/// <summary>A new endpoint, or a rolled secret: the only answers that hold the secret (<c>whsec_…</c>).</summary>
public sealed record IssuedWebhookEndpointView(WebhookEndpointView Endpoint, string Secret);

public sealed record WebhookDeliveryView(
    string Id, string EventId, string EventType, DateTimeOffset EventCreatedAt, string State, int Attempts, DateTimeOffset? NextAttemptAt,
    DateTimeOffset? LastAttemptAt, int? LastStatusCode, string? LastError, bool Replay, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt)
{
    public static WebhookDeliveryView Of(DeliveryDetails details)
    {
        var d = details.Delivery;
        return new(d.Id, d.EventId, details.EventType, details.EventCreatedAt, d.State, d.Attempts,
            d.State == DeliveryStates.Pending ? d.NextAttemptAt : null, d.LastAttemptAt, d.LastStatusCode, d.LastError, d.Replay, d.CreatedAt,
            d.CompletedAt);
    }
}

/// <summary>One attempt, with what became of its delivery: the "recent attempts" of the API and the portal.</summary>
public sealed record WebhookAttemptView(
    string Id, string DeliveryId, string EventId, string EventType, DateTimeOffset At, int DurationMs, int? StatusCode, string? Error,
    string? Response, string DeliveryState, DateTimeOffset? NextAttemptAt, string Node)
{
    public static WebhookAttemptView Of(AttemptDetails details)
    {
        var (a, d) = (details.Attempt, details.Delivery);
        return new(a.Id, a.DeliveryId, d.EventId, details.EventType, a.At, a.DurationMs, a.StatusCode, a.Error, a.Response, d.State,
            d.State == DeliveryStates.Pending && d.LeaseToken is null ? d.NextAttemptAt : null, a.Node);
    }
}

public sealed record CreateWebhookEndpointRequest(string? Url, string? Environment, IReadOnlyList<string>? Events, string? Description);

public sealed record UpdateWebhookEndpointRequest(string? Url, IReadOnlyList<string>? Events, bool? Enabled, string? Description);

/// <summary>How long the secrets valid until now stay valid beside the new one: 0 to 7 days (604800 s).</summary>
public sealed record RollWebhookSecretRequest(int? OverlapSeconds);

public sealed record ReplayWebhookRequest(DateTimeOffset? Since, DateTimeOffset? Until);

public sealed record ReplayedView(int Deliveries);
