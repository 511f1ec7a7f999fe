namespace CommerceServices.Protocol.Tokens;

/// <summary>The rules a gateway signature (<c>x-gw-signature</c>) must follow (DESIGN.md section 3).</summary>
public static class GatewayTokenRules
{
    /// <summary>The only signing algorithm accepted: RSASSA-PKCS1-v1_5 with SHA-256.</summary>
    public const string Algorithm = "RS256";

    /// <summary>How far in the future <c>exp</c> may be.</summary>
    public static readonly TimeSpan MaximumLifetime = TimeSpan.FromMinutes(5);

    /// <summary>Tolerated difference between the client's clock and the gateway's.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(60);

    /// <summary>Largest token the gateway will look at; a real one is well under 2 KiB.</summary>
    public const int MaximumTokenLength = 8 * 1024;
}
