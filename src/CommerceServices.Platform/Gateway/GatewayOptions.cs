using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Gateway;

/// <summary>The <c>Gateway</c> configuration section, validated at start (<see cref="GatewayOptionsValidator"/>).</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>
    /// How long a node trusts its cached copy of a key before reading it again (in the background, while the copy
    /// serves). A revocation is pushed: on this node it applies at once, on other nodes sharing PostgreSQL when the
    /// notification arrives, and a node that loses its notification connection drops every cached key; this time only
    /// bounds a notification lost anyway (R23).
    /// </summary>
    public double KeyCacheSeconds { get; set; } = 60;

    /// <summary>
    /// How many API keys (known and unknown) a node keeps cached. Past it, the least recently used tenth is dropped, so
    /// a stream of distinct keys does not grow memory.
    /// </summary>
    public int KeyCacheSize { get; set; } = 100_000;

    public const int MaximumKeyCacheSize = 10_000_000;

    /// <summary>How often the last use of keys is written to the database (R22), in one batch.</summary>
    public double LastUseFlushSeconds { get; set; } = 5;

    /// <summary>Requests per second allowed per API key, sustained (exactly: see <see cref="Hosting.TokenBucketTable"/>).</summary>
    public int RateLimitPerSecond { get; set; } = 1000;

    /// <summary>Requests per API key allowed at once above the sustained rate (the size of the bucket).</summary>
    public int RateLimitBurst { get; set; } = 2000;

    /// <summary>
    /// Tolerated difference between an instance's clock and the gateway's, in seconds, for <c>exp</c>, <c>nbf</c> and
    /// <c>iat</c>. At least 120 by default: the Magento module signs <c>exp = now + 300</c>, so a store whose clock runs
    /// ahead by up to this much is still accepted.
    /// </summary>
    public int ClockSkewSeconds { get; set; } = 120;

    public const int MaximumClockSkewSeconds = 600;

    /// <summary>
    /// How many verified tokens a node remembers (until each expires), so a client reusing a token pays one RSA
    /// verification per token rather than per request. 0 turns the memory off: every request is verified.
    /// </summary>
    public int VerifiedTokenCacheSize { get; set; } = 50_000;

    public const int MaximumVerifiedTokenCacheSize = 10_000_000;
}

/// <summary>Stops the start with a sentence naming the key, instead of clamping a bad value silently.</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        if (!(options.KeyCacheSeconds is >= 0 and <= 3600))
        {
            failures.Add($"{GatewayOptions.Section}:{nameof(GatewayOptions.KeyCacheSeconds)} must be between 0 and 3600 seconds (it is {options.KeyCacheSeconds}).");
        }

        if (options.KeyCacheSize is < 100 or > GatewayOptions.MaximumKeyCacheSize)
        {
            failures.Add($"{GatewayOptions.Section}:{nameof(GatewayOptions.KeyCacheSize)} must be between 100 and " +
                         $"{GatewayOptions.MaximumKeyCacheSize} keys (it is {options.KeyCacheSize}).");
        }

        if (!(options.LastUseFlushSeconds is >= 0.05 and <= 3600))
        {
            failures.Add($"{GatewayOptions.Section}:{nameof(GatewayOptions.LastUseFlushSeconds)} must be between 0.05 and 3600 seconds (it is {options.LastUseFlushSeconds}).");
        }

        if (options.RateLimitPerSecond is < 1 or > 1_000_000)
        {
            failures.Add($"{GatewayOptions.Section}:{nameof(GatewayOptions.RateLimitPerSecond)} must be between 1 and 1000000 (it is {options.RateLimitPerSecond}).");
        }

        if (options.RateLimitBurst is < 1 or > 10_000_000)
        {
            failures.Add($"{GatewayOptions.Section}:{nameof(GatewayOptions.RateLimitBurst)} must be between 1 and 10000000 (it is {options.RateLimitBurst}).");
        }

        if (options.ClockSkewSeconds is < 0 or > GatewayOptions.MaximumClockSkewSeconds)
        {
            failures.Add($"{GatewayOptions.Section}:{nameof(GatewayOptions.ClockSkewSeconds)} must be between 0 and " +
                         $"{GatewayOptions.MaximumClockSkewSeconds} seconds (it is {options.ClockSkewSeconds}); 120 or more lets " +
                         "stock Magento stores whose clock runs a little ahead connect.");
        }

        if (options.VerifiedTokenCacheSize is < 0 or > GatewayOptions.MaximumVerifiedTokenCacheSize)
        {
            failures.Add($"{GatewayOptions.Section}:{nameof(GatewayOptions.VerifiedTokenCacheSize)} must be between 0 and " +
                         $"{GatewayOptions.MaximumVerifiedTokenCacheSize} (it is {options.VerifiedTokenCacheSize}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

public static class GatewayOptionsExtensions
{
    /// <summary>Binds the <c>Gateway</c> section and validates it when the platform starts.</summary>
    public static IServiceCollection AddGatewayOptions(this IServiceCollection services)
    {
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        return services;
    }
}
