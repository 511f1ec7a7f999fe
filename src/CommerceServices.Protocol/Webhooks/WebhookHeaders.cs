namespace CommerceServices.Protocol.Webhooks;

/// <summary>
/// The headers of a webhook delivery, as Standard Webhooks (standardwebhooks.com) names them. <c>webhook-id</c> is the
/// event's id: the same on every retry and replay, so a receiver de-duplicates by it.
/// </summary>
public static class WebhookHeaders
{
    public const string Id = "webhook-id";

    /// <summary>Unix seconds of the attempt (not of the event): a receiver refuses it when it is more than 5 minutes off.</summary>
    public const string Timestamp = "webhook-timestamp";

    /// <summary><c>v1,&lt;base64 HMAC-SHA256 of "{id}.{timestamp}.{body}"&gt;</c>, one per valid secret, space-separated.</summary>
    public const string Signature = "webhook-signature";

    /// <summary>Secrets are <c>whsec_</c> and the base64 of the key bytes.</summary>
    public const string SecretPrefix = "whsec_";
}
