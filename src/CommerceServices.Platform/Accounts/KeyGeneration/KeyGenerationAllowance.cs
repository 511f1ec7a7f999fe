using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Accounts.KeyGeneration;

/// <summary>
/// How many platform-made key pairs each account may still ask for: a token bucket per account
/// (<c>Keys:GenerationBurst</c>, refilled continuously at <c>Keys:GenerationsPerMinute</c>). Only generation spends
/// from it; an upload of a public key costs no generation and is not counted. The operator's calls spend from the
/// target account's bucket too: the limit protects the node's CPU, whoever asks. A generation refused because the node
/// was busy gives its token back (<see cref="Return"/>): the account did nothing wrong.
/// </summary>
public sealed class KeyGenerationAllowance(IOptions<KeyGenerationOptions> options, TimeProvider time)
{
    // Buckets are only made for accounts that exist (checked before), so the table is as large as the busy accounts;
    // full buckets are dropped when it grows, since a new bucket starts full anyway.
    private const int SweepAbove = 10_000;
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly double _burst = options.Value.GenerationBurst;
    private readonly double _perTick = options.Value.GenerationsPerMinute / 60.0 / time.TimestampFrequency;

    /// <summary>Spends one generation of the account; when none is left, false and how long until one is.</summary>
    public bool TryTake(string accountId, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (_buckets.Count > SweepAbove)
        {
            DropFullBuckets();
        }

        var now = time.GetTimestamp();
        var bucket = _buckets.GetOrAdd(accountId, static (_, state) => new Bucket(state.Burst, state.Now), (Burst: _burst, Now: now));
        lock (bucket)
        {
            var available = bucket.AvailableAt(now, _burst, _perTick);
            if (available >= 1)
            {
                bucket.Tokens = available - 1;
                bucket.UpdatedAt = now;
                return true;
            }

            retryAfter = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling((1 - available) / _perTick / time.TimestampFrequency)));
            return false;
        }
    }

    /// <summary>Gives back a generation that was taken but not made.</summary>
    public void Return(string accountId)
    {
        if (_buckets.TryGetValue(accountId, out var bucket))
        {
            lock (bucket)
            {
                var now = time.GetTimestamp();
                bucket.Tokens = Math.Min(_burst, bucket.AvailableAt(now, _burst, _perTick) + 1);
                bucket.UpdatedAt = now;
            }
        }
    }

    private void DropFullBuckets()
    {
        var now = time.GetTimestamp();
        foreach (var (accountId, bucket) in _buckets)
        {
            lock (bucket)
            {
                if (bucket.AvailableAt(now, _burst, _perTick) >= _burst)
                {
                    _buckets.TryRemove(new KeyValuePair<string, Bucket>(accountId, bucket));
                }
            }
        }
    }

    private sealed class Bucket(double tokens, long updatedAt)
    {
        public double Tokens = tokens;

        public long UpdatedAt = updatedAt;

        public double AvailableAt(long now, double burst, double perTick) => Math.Min(burst, Tokens + (now - UpdatedAt) * perTick);
    }
}
