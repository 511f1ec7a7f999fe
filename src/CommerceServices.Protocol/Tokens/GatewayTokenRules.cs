namespace CommerceServices.Protocol.Tokens;

/// <summary>The rules a gateway signature (<c>x-gw-signature</c>) must follow (DESIGN.md section 3).</summary>
public static class GatewayTokenRules
{
    /// <summary>The only signing algorithm accepted: RSASSA-PKCS1-v1_5 with SHA-256.</summary>
    public const string Algorithm = "RS256";

    /// <summary>How far in the future <c>exp</c> may be.</summary>
    public static readonly TimeSpan MaximumLifetime = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The difference between the client's clock and the gateway's that a gateway tolerates by default
    /// (<c>Gateway:ClockSkewSeconds</c>). The existing Magento module signs <c>exp = now + 300</c> and no <c>iat</c>, so a
    /// store whose clock is up to this much ahead is still accepted. The connector reports its clock as off
    /// (<c>clock_skew</c>) beyond this same offset: a gateway configured with less skew refuses earlier, and its refusal
    /// then says itself that the clock is probably off.
    /// </summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(120);

    /// <summary>Largest token the gateway will look at; a real one is well under 2 KiB.</summary>
    public const int MaximumTokenLength = 8 * 1024;
}
