namespace CommerceServices.Protocol;

/// <summary>
/// Request headers of the gateway protocol (DESIGN.md section 3). The aliases are what the existing Magento Services
/// Connector module sends, so such an instance works by changing only its gateway URL.
/// </summary>
public static class GatewayHeaders
{
    public const string ApiKey = "x-api-key";
    public const string ApiKeyAlias = "magento-api-key";
    public const string Signature = "x-gw-signature";
    public const string DataSpaceId = "x-data-space-id";
    public const string DataSpaceIdAlias = "Magento-Environment-Id";

    /// <summary>
    /// Makes a POST safe to retry: the same key with the same body returns the first answer without doing the work
    /// twice. Clients retry a POST only when it carries one.
    /// </summary>
    public const string IdempotencyKey = "Idempotency-Key";
}
