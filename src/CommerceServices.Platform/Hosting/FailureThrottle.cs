using System.Collections.Concurrent;
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
/// bucket refills. Sources are strings; callers prefix them with what they count (<c>sig:</c>, <c>op:</c>).
/// </summary>
public sealed class FailureThrottle(IOptions<FailureThrottleOptions> options, TimeProvider time)
{
    private const int MaximumSources = 100_000;
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly double _burst = options.Value.Burst;
    private readonly double _perTick = options.Value.PerMinute / 60.0 / time.TimestampFrequency;

    /// <summary>
    /// Whether the source has no failure left to spend; then <paramref name="retryAfter"/> says when it has one again.
    /// No allocation: sources that never failed are not in the table.
    /// </summary>
    public bool IsThrottled(string source, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (_buckets.IsEmpty || !_buckets.TryGetValue(source, out var bucket))
        {
            return false;
        }

        lock (bucket)
        {
            var available = bucket.AvailableAt(time.GetTimestamp(), _burst, _perTick);
            if (available >= 1)
            {
                return false;
            }

            retryAfter = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling((1 - available) / _perTick / time.TimestampFrequency)));
            return true;
        }
    }

    /// <summary>Spends one failure of the source.</summary>
    public void RecordFailure(string source)
    {
        if (_buckets.Count >= MaximumSources)
        {
            _buckets.Clear(); // bounded memory against floods of made-up sources
        }

        var now = time.GetTimestamp();
        var bucket = _buckets.GetOrAdd(source, static (_, state) => new Bucket(state.Burst, state.Now), (Burst: _burst, Now: now));
        lock (bucket)
        {
            bucket.Tokens = Math.Max(0, bucket.AvailableAt(now, _burst, _perTick) - 1);
            bucket.UpdatedAt = now;
        }
    }

    private sealed class Bucket(double tokens, long updatedAt)
    {
        public double Tokens = tokens;

        public long UpdatedAt = updatedAt;

        public double AvailableAt(long now, double burst, double perTick) => Math.Min(burst, Tokens + (now - UpdatedAt) * perTick);
    }
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
