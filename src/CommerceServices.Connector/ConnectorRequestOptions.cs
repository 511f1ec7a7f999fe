namespace CommerceServices.Connector;

/// <summary>Per-request choices for the signing handler, set in <see cref="HttpRequestMessage.Options"/>.</summary>
public static class ConnectorRequestOptions
{
    /// <summary>Sign with these credentials instead of the active environment's (used while new keys are being saved).</summary>
    public static readonly HttpRequestOptionsKey<GatewayCredentials> Credentials = new("CommerceServices.Credentials");

    /// <summary>Send this data space id instead of the stored one; an empty string sends none.</summary>
    public static readonly HttpRequestOptionsKey<string> DataSpaceId = new("CommerceServices.DataSpaceId");

    /// <summary>Send the request unsigned (the anonymous gateway information endpoint).</summary>
    public static readonly HttpRequestOptionsKey<bool> Anonymous = new("CommerceServices.Anonymous");
}
