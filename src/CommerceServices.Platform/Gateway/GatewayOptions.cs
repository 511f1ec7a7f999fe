namespace CommerceServices.Platform.Gateway;

/// <summary>The <c>Gateway</c> configuration section.</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>
    /// How long a node trusts its cached copy of a key before reading it again. A revocation on this node applies at
    /// once; on other nodes sharing the database, within this time (R23).
    /// </summary>
    public double KeyCacheSeconds { get; set; } = 1;

    /// <summary>How often the last use of keys is written to the database (R22), in one batch.</summary>
    public double LastUseFlushSeconds { get; set; } = 5;

    /// <summary>Requests per second allowed per API key, sustained.</summary>
    public int RateLimitPerSecond { get; set; } = 1000;

    /// <summary>Requests per API key allowed in a burst above the sustained rate.</summary>
    public int RateLimitBurst { get; set; } = 2000;
}
