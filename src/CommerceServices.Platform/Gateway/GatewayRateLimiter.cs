using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Gateway;

/// <summary>
/// The per-key rate limit (R21): one <see cref="ContinuousTokenBucket"/> per API key, on this node. Buckets that have
/// filled up again are dropped when there are many, so a stream of distinct keys does not grow memory without limit
/// (a dropped bucket was full, and a new one starts full: nothing is forgiven).
/// </summary>
internal sealed class GatewayRateLimiter(IOptions<GatewayOptions> options, TimeProvider time)
{
    /// <summary>Above this many buckets, full ones are swept out.</summary>
    internal const int SweepAbove = 100_000;

    private int _sweepAbove = SweepAbove;
    private readonly ConcurrentDictionary<string, ContinuousTokenBucket> _buckets = new(StringComparer.Ordinal);
    private readonly Func<string, ContinuousTokenBucket> _newBucket = _ =>
        new ContinuousTokenBucket(options.Value.RateLimitPerSecond, options.Value.RateLimitBurst, time);
    private int _count;
    private int _sweeping;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Spends one token of the key's bucket; when it is empty, says how long until one is earned.</summary>
    public bool TryAdmit(string apiKey, out TimeSpan retryAfter)
    {
        if (!_buckets.TryGetValue(apiKey, out var bucket))
        {
            bucket = _buckets.GetOrAdd(apiKey, _newBucket);
            if (Interlocked.Increment(ref _count) > Volatile.Read(ref _sweepAbove))
            {
                SweepFullBuckets();
            }
        }

        return bucket.TryTake(out retryAfter);
    }

    private void SweepFullBuckets()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return; // another request is sweeping
        }

        try
        {
            foreach (var (apiKey, bucket) in _buckets)
            {
                if (bucket.IsFull)
                {
                    _buckets.TryRemove(apiKey, out _);
                }
            }

            var left = _buckets.Count;
            Volatile.Write(ref _count, left);
            // Should most buckets still be in use, the next sweep waits until there are twice as many: a sweep per new
            // key would cost a walk over every bucket each time.
            Volatile.Write(ref _sweepAbove, Math.Max(SweepAbove, 2 * left));
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }
}
