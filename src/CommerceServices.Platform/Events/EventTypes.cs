namespace CommerceServices.Platform.Events;

/// <summary>
/// The types of <see cref="OutboxEvent"/>, <c>{subject}.{what happened}</c>. Each capability adds its own; a type never
/// changes meaning.
/// </summary>
public static class EventTypes
{
    public const string PaymentAuthorized = "payment.authorized";
    public const string PaymentDeclined = "payment.declined";

    /// <summary>An authorization that did not happen: the processor failed before doing it, or never received it.</summary>
    public const string PaymentFailed = "payment.failed";

    public const string PaymentCaptured = "payment.captured";
    public const string PaymentVoided = "payment.voided";

    /// <summary>A refund, part or all of what is captured (the payment's status says which).</summary>
    public const string PaymentRefunded = "payment.refunded";

    // Keys and data spaces: what a shop's systems may want to hear about besides money (the wire names are in
    // CommerceServices.Protocol.Webhooks.WebhookEventTypes).
    public const string KeyCreated = "key.created";
    public const string KeyRolled = "key.rolled";
    public const string KeyRevoked = "key.revoked";
    public const string KeyExpiring = "key.expiring";
    public const string DataSpaceBound = "data_space.bound";
    public const string DataSpaceReleased = "data_space.released";
}
