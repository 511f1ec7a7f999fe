namespace CommerceServices.Connector;

/// <summary>
/// The connector's spans: one per gateway call (<c>registry.ping</c>, <c>payments.authorize</c>, ...), around its
/// attempts, whose HTTP requests carry the W3C <c>traceparent</c> of the app's current trace, so the gateway and the
/// services behind it continue that trace. An app on OpenTelemetry records them with
/// <c>tracing.AddSource(ConnectorTelemetry.ActivitySourceName)</c> (the Commerce Services service defaults do).
/// </summary>
public static class ConnectorTelemetry
{
    public const string ActivitySourceName = "CommerceServices.Connector";

    /// <summary>Attribute: the connector's or the gateway's code when a call did not succeed.</summary>
    public const string FailureCode = "commerce.failure.code";
}
