using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Hosting;

/// <summary>The <c>FailureThrottle</c> configuration section.</summary>
public sealed class FailureThrottleOptions
{
    public const string Section = "FailureThrottle";

    /// <summary>Failures one source may have at once before it is throttled.</summary>
    public int Burst { get; set; } = 10;

    /// <summary>Failures per minute one source may have, sustained, once its burst is spent.</summary>
    public int PerMinute { get; set; } = 30;
}

/// <summary>
/// Counts failed credentials per source (an API key from one address, an address trying operator tokens, …) in a token
/// bucket of their own, apart from the request rate limit, so that someone else's failures never spend a correct
/// caller's rate. A source whose bucket is empty is refused (429 <c>rate_limited</c>) before any costly check, until its
/// bucket refills. Sources are strings; callers prefix them with what they count (<c>sig:</c>, <c>op:</c>). The buckets
/// are a bounded <see cref="TokenBucketTable"/>: a flood of made-up sources (cheap with IPv6) drops the sources that
/// failed least, never one that is being refused.
/// </summary>
public sealed class FailureThrottle(IOptions<FailureThrottleOptions> options, TimeProvider time)
{
    /// <summary>Sources whose buckets are kept at most.</summary>
    internal const int Capacity = 100_000;

    private readonly TokenBucketTable _buckets = new(options.Value.PerMinute / 60.0, options.Value.Burst, Capacity, time);

    /// <summary>Sources tracked now.</summary>
    public int Count => _buckets.Count;

    /// <summary>
    /// Whether the source has no failure left to spend; then <paramref name="retryAfter"/> says when it has one again
    /// (whole seconds, at least one). No allocation: sources that never failed are not in the table.
    /// </summary>
    public bool IsThrottled(string source, out TimeSpan retryAfter)
    {
        var throttled = _buckets.IsEmpty(source, out var wait);
        retryAfter = throttled ? TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(wait.TotalSeconds))) : TimeSpan.Zero;
        return throttled;
    }

    /// <summary>Spends one failure of the source.</summary>
    public void RecordFailure(string source) => _buckets.Spend(source);
}

internal sealed class FailureThrottleOptionsValidator : IValidateOptions<FailureThrottleOptions>
{
    public ValidateOptionsResult Validate(string? name, FailureThrottleOptions options)
    {
        var failures = new List<string>();
        if (options.Burst is < 1 or > 100_000)
        {
            failures.Add($"{FailureThrottleOptions.Section}:{nameof(FailureThrottleOptions.Burst)} must be between 1 and 100000 (it is {options.Burst}).");
        }

        if (options.PerMinute is < 1 or > 1_000_000)
        {
            failures.Add($"{FailureThrottleOptions.Section}:{nameof(FailureThrottleOptions.PerMinute)} must be between 1 and 1000000 (it is {options.PerMinute}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

public static class FailureThrottleExtensions
{
    /// <summary>Adds the one <see cref="FailureThrottle"/> every authentication scheme shares, with its validated options.</summary>
    public static IServiceCollection AddFailureThrottle(this IServiceCollection services)
    {
        services.AddOptions<FailureThrottleOptions>().BindConfiguration(FailureThrottleOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FailureThrottleOptions>, FailureThrottleOptionsValidator>();
        services.AddSingleton<FailureThrottle>();
        return services;
    }
}

/// <summary>
/// The failure of an authentication result whose source is throttled by <see cref="FailureThrottle"/>: the challenge
/// answers 429 <c>rate_limited</c> with <c>Retry-After</c>. A value passed along, never thrown.
/// </summary>
public sealed class ThrottledException(TimeSpan retryAfter, string message) : Exception(message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;

    public async Task WriteAsync(HttpContext context)
    {
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Problems.WriteAsync(context, CommerceServices.Protocol.ProblemCodes.RateLimited, Message);
    }
}
