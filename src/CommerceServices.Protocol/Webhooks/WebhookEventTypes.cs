namespace CommerceServices.Protocol.Webhooks;

/// <summary>
/// The <c>type</c> of every event the platform sends to webhook endpoints, <c>{subject}.{what happened}</c>. A type never
/// changes meaning; new ones may be added, so a receiver ignores types it does not know.
/// </summary>
public static class WebhookEventTypes
{
    public const string PaymentAuthorized = "payment.authorized";
    public const string PaymentDeclined = "payment.declined";
    public const string PaymentFailed = "payment.failed";
    public const string PaymentCaptured = "payment.captured";
    public const string PaymentVoided = "payment.voided";
    public const string PaymentRefunded = "payment.refunded";

    public const string KeyCreated = "key.created";
    public const string KeyRolled = "key.rolled";
    public const string KeyRevoked = "key.revoked";

    /// <summary>A rolled key's grace ends soon: sent once when less than 24 hours are left, and once when less than 1 hour is.</summary>
    public const string KeyExpiring = "key.expiring";

    public const string DataSpaceBound = "data_space.bound";
    public const string DataSpaceReleased = "data_space.released";

    /// <summary>Sent to one endpoint on request ("send test event"); never to endpoints that did not ask for it.</summary>
    public const string Test = "webhook.test";

    /// <summary>Every type an endpoint can subscribe to (the test event is not one: it goes only where it was asked for).</summary>
    public static IReadOnlyList<string> Subscribable { get; } =
    [
        PaymentAuthorized, PaymentDeclined, PaymentFailed, PaymentCaptured, PaymentVoided, PaymentRefunded,
        KeyCreated, KeyRolled, KeyRevoked, KeyExpiring,
        DataSpaceBound, DataSpaceReleased,
    ];

    /// <summary>The groups an endpoint may subscribe to with a wildcard: <c>payment.*</c>, <c>key.*</c>, <c>data_space.*</c>, or <c>*</c>.</summary>
    public static IReadOnlyList<string> Groups { get; } = ["payment", "key", "data_space"];

    /// <summary>
    /// Whether <paramref name="type"/> matches one of <paramref name="patterns"/>: an exact type, a group wildcard such as
    /// <c>payment.*</c>, or <c>*</c> (every subscribable type).
    /// </summary>
    public static bool Matches(IEnumerable<string> patterns, string type)
    {
        if (type == Test)
        {
            return false;
        }

        foreach (var pattern in patterns)
        {
            if (pattern == "*" || pattern == type
                || (pattern.EndsWith(".*", StringComparison.Ordinal) && type.StartsWith(pattern[..^1], StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="pattern"/> is something an endpoint may subscribe to (so a typo is refused, not ignored).</summary>
    public static bool IsValidPattern(string pattern) =>
        pattern == "*"
        || Subscribable.Contains(pattern)
        || (pattern.EndsWith(".*", StringComparison.Ordinal) && Groups.Contains(pattern[..^2]));
}
