using System.Collections.Concurrent;

namespace CommerceServices.Platform.Hosting;

/// <summary>
/// Token buckets by key (an API key, a client address, an account), refilled continuously: every take sees the tokens
/// earned since the last one, to the fraction, so the sustained rate is exactly the one configured (the framework's
/// bucket adds whole tokens per period, which rounded 5/s up to 10/s and 1005/s down to 1000/s). No timer: the refill is
/// computed when a bucket is touched, and touching one allocates nothing. The gateway's per-key rate limit, the failure
/// throttle and the key generation allowance are three tables of this one kind.
/// <para>
/// Bounded, without forgiving anyone: at most <c>capacity</c> buckets are kept. Past it, the fullest buckets go first (the
/// newest among equals) — a full bucket forgives nothing when dropped, since a new one starts full too — and neither a
/// bucket with less than one token (a source being refused right now) nor one spent from while the sweep ran is
/// dropped. Should every bucket be that empty when a new key comes, which a flood of throttled sources would need, the
/// new key shares one of a few overflow buckets, picked by a hash of the key that changes with every process, and a
/// bucket of its own made later starts with what that overflow bucket has: memory stays bounded, and no throttled
/// source is let off.
/// </para>
/// <para>
/// The size is kept in a counter of its own: <see cref="ConcurrentDictionary{TKey,TValue}.Count"/> takes every lock
/// of the dictionary, which on the gateway's hot path cost more than the bucket itself.
/// </para>
/// </summary>
public sealed class TokenBucketTable
{
    /// <summary>Share of the capacity a sweep frees, so that sweeps (a walk over every bucket) are rare.</summary>
    private const double SweepShare = 0.1;

    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly Bucket[] _overflow;
    private readonly double _burst;
    private readonly double _perTick;
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private int _count;
    private long _made;
    private int _sweeping;
    private volatile bool _overflowUsed;

    /// <param name="perSecond">Tokens earned per second, sustained.</param>
    /// <param name="burst">Tokens a bucket holds at most, and starts with.</param>
    /// <param name="capacity">Buckets kept at most (besides the overflow buckets).</param>
    public TokenBucketTable(double perSecond, double burst, int capacity, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _burst = burst;
        _perTick = perSecond / time.TimestampFrequency;
        _capacity = capacity;
        _time = time;
        var now = time.GetTimestamp();
        _overflow = Enumerable.Range(0, Math.Clamp(capacity / 100, 16, 1024)).Select(_ => new Bucket(burst, now, 0)).ToArray();
    }

    /// <summary>Buckets kept (besides the overflow buckets); never more than the capacity.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Takes one token of the key's bucket; when there is none, says how long until one is earned.</summary>
    public bool TryTake(string key, out TimeSpan retryAfter)
    {
        while (true)
        {
            var bucket = BucketOf(key);
            lock (bucket)
            {
                if (bucket.Removed)
                {
                    continue; // swept out while this request got to it: take from the key's current bucket
                }

                var now = _time.GetTimestamp();
                var available = Available(bucket, now);
                if (available >= 1)
                {
                    bucket.Tokens = available - 1;
                    bucket.UpdatedAt = now;
                    bucket.Changes++;
                    retryAfter = TimeSpan.Zero;
                    return true;
                }

                retryAfter = Until(available);
                return false;
            }
        }
    }

    /// <summary>
    /// Whether the key's bucket has less than one token left; then <paramref name="retryAfter"/> says when it has one.
    /// Makes no bucket: a key never spent from costs one lookup.
    /// </summary>
    public bool IsEmpty(string key, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            if (!_overflowUsed)
            {
                return false;
            }

            bucket = OverflowOf(key);
        }

        lock (bucket)
        {
            var available = Available(bucket, _time.GetTimestamp());
            if (available >= 1)
            {
                return false;
            }

            retryAfter = Until(available);
            return true;
        }
    }

    /// <summary>Spends one token of the key's bucket, none left or not: a failure counts whenever it happens.</summary>
    public void Spend(string key) => Adjust(key, -1);

    /// <summary>Gives one token back to the key's bucket (a take that was not used), up to the burst.</summary>
    public void Return(string key) => Adjust(key, +1);

    private void Adjust(string key, int tokens)
    {
        while (true)
        {
            var bucket = BucketOf(key);
            lock (bucket)
            {
                if (bucket.Removed)
                {
                    continue;
                }

                var now = _time.GetTimestamp();
                bucket.Tokens = Math.Clamp(Available(bucket, now) + tokens, 0, _burst);
                bucket.UpdatedAt = now;
                bucket.Changes++;
                return;
            }
        }
    }

    private double Available(Bucket bucket, long now) => Math.Min(_burst, bucket.Tokens + (now - bucket.UpdatedAt) * _perTick);

    private TimeSpan Until(double available) => TimeSpan.FromSeconds((1 - available) / _perTick / _time.TimestampFrequency);

    /// <summary>The key's bucket: its own, a new full one, or (while every kept bucket is being refused) an overflow bucket.</summary>
    private Bucket BucketOf(string key)
    {
        if (_buckets.TryGetValue(key, out var bucket))
        {
            return bucket;
        }

        for (var attempt = 0; attempt < 2; attempt++)
        {
            if (Interlocked.Increment(ref _count) <= _capacity)
            {
                var made = new Bucket(StartingTokens(key), _time.GetTimestamp(), Interlocked.Increment(ref _made));
                var kept = _buckets.GetOrAdd(key, made);
                if (!ReferenceEquals(kept, made))
                {
                    Interlocked.Decrement(ref _count); // another request made it first
                }

                return kept;
            }

            Interlocked.Decrement(ref _count);
            Sweep();
            if (_buckets.TryGetValue(key, out bucket))
            {
                return bucket;
            }
        }

        _overflowUsed = true;
        return OverflowOf(key);
    }

    private Bucket OverflowOf(string key) => _overflow[(uint)key.GetHashCode() % (uint)_overflow.Length];

    /// <summary>
    /// A new bucket starts full, or, once overflow buckets have been used, with what the key's overflow bucket has: a key
    /// that took from it while the table was full does not start over with a full bucket of its own.
    /// </summary>
    private double StartingTokens(string key)
    {
        if (!_overflowUsed)
        {
            return _burst;
        }

        var overflow = OverflowOf(key);
        lock (overflow)
        {
            return Available(overflow, _time.GetTimestamp());
        }
    }

    /// <summary>
    /// Drops the fullest buckets until a tenth of the capacity is free, never one with less than one token, nor one spent
    /// from since the sweep looked at it (it was picked as full, and is being drained now: dropping it would give its key a
    /// full bucket again). One thread at a time; the others go on (a request that finds no room meanwhile uses an
    /// overflow bucket).
    /// </summary>
    private void Sweep()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return;
        }

        try
        {
            var now = _time.GetTimestamp();
            var levels = new List<(double Level, long Changes, string Key, Bucket Bucket)>(Count);
            foreach (var (key, bucket) in _buckets)
            {
                double level;
                long changes;
                lock (bucket)
                {
                    level = Available(bucket, now);
                    changes = bucket.Changes;
                }

                if (level >= 1)
                {
                    levels.Add((level, changes, key, bucket));
                }
            }

            // The fullest first; among equals the newest, so that a key in use for long is not the one dropped when a
            // flood of new keys holds as much as it does.
            levels.Sort((a, b) => b.Level != a.Level ? b.Level.CompareTo(a.Level) : b.Bucket.Made.CompareTo(a.Bucket.Made));
            var toFree = Count - (int)(_capacity * (1 - SweepShare));
            foreach (var (_, changes, key, bucket) in levels)
            {
                if (toFree <= 0)
                {
                    break;
                }

                lock (bucket)
                {
                    // Spent from meanwhile: a source in use now stays, whatever it has left.
                    if (bucket.Changes != changes || !_buckets.TryRemove(new KeyValuePair<string, Bucket>(key, bucket)))
                    {
                        continue;
                    }

                    bucket.Removed = true;
                }

                Interlocked.Decrement(ref _count);
                toFree--;
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private sealed class Bucket(double tokens, long updatedAt, long made)
    {
        public double Tokens = tokens;

        public long UpdatedAt = updatedAt;

        /// <summary>Order of making: a later bucket has a larger number.</summary>
        public readonly long Made = made;

        /// <summary>Takes, spends and returns so far: how a sweep tells that a bucket was used after it looked.</summary>
        public long Changes;

        /// <summary>Swept out of the table: whoever still holds it looks the key up again.</summary>
        public bool Removed;
    }
}
