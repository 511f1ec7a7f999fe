namespace CommerceServices.Platform.Webhooks;

/// <summary>
/// Where an account wants the events of one environment pushed: a URL, the event types it takes, and the secrets its
/// deliveries are signed with. <see cref="ConsecutiveFailures"/> and <see cref="FailingSince"/> describe the endpoint's
/// health as the delivery worker sees it; an endpoint that fails for too long is disabled and its account told.
/// </summary>
public sealed class WebhookEndpoint
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    /// <summary><c>sandbox</c> or <c>production</c>: the endpoint gets that environment's events only.</summary>
    public required string Environment { get; init; }

    public required string Url { get; set; }

    public string? Description { get; set; }

    /// <summary>Comma-separated patterns: exact types, group wildcards (<c>payment.*</c>) or <c>*</c>.</summary>
    public required string Events { get; set; }

    public bool Enabled { get; set; } = true;

    /// <summary>Why the endpoint is disabled, when it is: <see cref="DisabledReasons"/>.</summary>
    public string? DisabledReason { get; set; }

    public DateTimeOffset? DisabledAt { get; set; }

    /// <summary>When the current run of failed attempts began; null after a success.</summary>
    public DateTimeOffset? FailingSince { get; set; }

    /// <summary>Failed attempts since the last success. From <c>Webhooks:CircuitThreshold</c> on, only retries and probes go out.</summary>
    public int ConsecutiveFailures { get; set; }

    /// <summary>While the endpoint is failing: when the next probe (one waiting delivery sent early) may go.</summary>
    public DateTimeOffset? ProbeAt { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    public List<WebhookSecret> Secrets { get; init; } = [];

    public IReadOnlyList<string> EventPatterns => Events.Split(',', StringSplitOptions.RemoveEmptyEntries);
}

public static class DisabledReasons
{
    /// <summary>Turned off by the account.</summary>
    public const string Manual = "manual";

    /// <summary>The receiver answered 410 Gone.</summary>
    public const string Gone = "gone";

    /// <summary>Every attempt failed for <c>Webhooks:DisableAfter</c> (5 days).</summary>
    public const string Failing = "failing";
}

/// <summary>
/// A signing secret of an endpoint. The current one has no <see cref="ExpiresAt"/>; a roll gives the old one an end (the
/// overlap the merchant chose), and until then every delivery carries a signature for each.
/// </summary>
public sealed class WebhookSecret
{
    public required string Id { get; init; }

    public required string EndpointId { get; init; }

    /// <summary>The key bytes in base64 (the secret without its <c>whsec_</c> prefix). Needed to sign: kept, never shown again.</summary>
    public required string Key { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? ExpiresAt { get; set; }

    public bool IsValidAt(DateTimeOffset now) => ExpiresAt is null || ExpiresAt > now;
}

/// <summary>
/// One event to one endpoint: a durable row, made in the transaction of the event (or by a replay or a test), worked
/// off by the delivery workers of every node. A claimed delivery carries its claimer's <see cref="LeaseToken"/> and is
/// not due again (<see cref="NextAttemptAt"/>) until the lease ends, so no two nodes send it at once.
/// </summary>
public sealed class WebhookDelivery
{
    public required string Id { get; init; }

    public required string EndpointId { get; init; }

    /// <summary>The outbox event; its id is the <c>webhook-id</c>.</summary>
    public required string EventId { get; init; }

    /// <summary>The event's subject and position among the subject's events: a later one waits for an earlier one.</summary>
    public required string SubjectId { get; init; }

    public long Sequence { get; init; }

    /// <summary><see cref="DeliveryStates"/>.</summary>
    public required string State { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    public string? LeaseToken { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>When it was first sent: the retry schedule counts from here.</summary>
    public DateTimeOffset? FirstAttemptAt { get; set; }

    public DateTimeOffset? LastAttemptAt { get; set; }

    public int? LastStatusCode { get; set; }

    public string? LastError { get; set; }

    /// <summary>Made by a replay (of one delivery or a time range), not by the event itself.</summary>
    public bool Replay { get; init; }
}

public static class DeliveryStates
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";

    /// <summary>Every attempt of the schedule failed, or the endpoint answered 410.</summary>
    public const string Failed = "failed";
}

/// <summary>One HTTP request of a delivery: what came back and how long it took.</summary>
public sealed class WebhookAttempt
{
    public required string Id { get; init; }

    public required string DeliveryId { get; init; }

    public required string EndpointId { get; init; }

    public DateTimeOffset At { get; init; }

    public int DurationMs { get; init; }

    /// <summary>The receiver's status code; null when there was no answer (timeout, network error, refused target).</summary>
    public int? StatusCode { get; init; }

    public string? Error { get; init; }

    /// <summary>The first characters of the receiver's answer, for the merchant's debugging.</summary>
    public string? Response { get; init; }

    /// <summary>The node that sent it.</summary>
    public required string Node { get; init; }
}
