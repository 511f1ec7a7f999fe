namespace CommerceServices.Connector;

/// <summary>The event ids of the connector's log messages, one per message, stable across versions.</summary>
internal static class ConnectorLogEvents
{
    public const int Retry = 1;
    public const int BreakerOpened = 2;
    public const int BreakerClosed = 3;
    public const int Status = 10;
    public const int Saved = 11;
    public const int KeyRegistered = 12;
    public const int BindingUndone = 13;
    public const int BindingNotUndone = 14;
    public const int StatusWithoutCode = 15;
    public const int WebhookRefused = 20;
    public const int WebhookHandlerFailed = 21;
    public const int WebhookDuplicate = 22;
}
