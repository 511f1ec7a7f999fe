namespace CommerceServices.Platform.Events;

/// <summary>
/// Something that happened on the platform, recorded in the transaction of the change it reports (the transactional
/// outbox): no change commits without its event, and no event without its change. Webhook delivery reads these rows.
/// Events of one subject (a payment, a key, a data space) are ordered by <see cref="Sequence"/>; events of different
/// subjects have no order among them.
/// </summary>
public sealed class OutboxEvent
{
    /// <summary><c>evt_</c> and a time-ordered unique part; stable, the id a receiver de-duplicates by.</summary>
    public required string Id { get; init; }

    /// <summary>Such as <c>payment.captured</c> (<see cref="CommerceServices.Protocol.Webhooks.WebhookEventTypes"/>: the types are the ones webhooks send).</summary>
    public required string Type { get; init; }

    public required string AccountId { get; init; }

    /// <summary><c>sandbox</c> or <c>production</c>.</summary>
    public required string Environment { get; init; }

    /// <summary>The data space the subject lives in, where it has one.</summary>
    public string? DataSpaceId { get; init; }

    /// <summary>What the event is about (a payment id, a key id): the unit of ordering.</summary>
    public required string SubjectId { get; init; }

    /// <summary>Position among the subject's events, growing with each; unique per subject.</summary>
    public long Sequence { get; init; }

    /// <summary>The subject as the API returns it, as JSON.</summary>
    public required string Data { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}
