namespace CommerceServices.Platform.Webhooks;

/// <summary>Event ids of the webhooks' log messages, one per message and stable. Webhooks 2200–2299.</summary>
internal static class WebhookLogEvents
{
    public const int WorkerFailed = 2200;
    public const int EndpointDisabled = 2201;
    public const int DeliveriesExpired = 2202;
    public const int EndpointRecovered = 2203;
    public const int LeaseLost = 2204;
    public const int KeyExpiryNoticeFailed = 2205;
}
