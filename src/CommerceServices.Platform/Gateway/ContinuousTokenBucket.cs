using System.Threading.RateLimiting;

namespace CommerceServices.Platform.Gateway;

/// <summary>
/// A token bucket that refills continuously: every request sees the tokens earned since the last one, to the fraction,
/// so the sustained rate is exactly <c>perSecond</c> whatever its value (the framework's bucket adds whole tokens per
/// period, which rounded 5/s up to 10/s and 1005/s down to 1000/s). No timer: the refill is computed on each acquire,
/// and an admitted request allocates nothing.
/// </summary>
internal sealed class ContinuousTokenBucket(double perSecond, int burst, TimeProvider time) : RateLimiter
{
    private readonly Lock _lock = new();
    private readonly double _perTick = perSecond / time.TimestampFrequency;
    private double _tokens = burst;
    private long _updatedAt = time.GetTimestamp();

    public override TimeSpan? IdleDuration
    {
        get
        {
            // Idle once full again: the partitioned limiter may then drop this bucket, and a new one starts full too.
            lock (_lock)
            {
                var now = time.GetTimestamp();
                var fullAt = _updatedAt + (long)Math.Ceiling((burst - _tokens) / _perTick);
                return now >= fullAt ? time.GetElapsedTime(fullAt, now) : null;
            }
        }
    }

    public override RateLimiterStatistics GetStatistics()
    {
        lock (_lock)
        {
            return new RateLimiterStatistics { CurrentAvailablePermits = (long)Refill(time.GetTimestamp()) };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount) =>
        TryTake(permitCount, out var retryAfter) ? Lease.Admitted : new Lease(retryAfter);

    /// <summary>Takes one token; when there is none, says how long until one is earned. Allocates nothing.</summary>
    public bool TryTake(out TimeSpan retryAfter) => TryTake(1, out retryAfter);

    private bool TryTake(int permitCount, out TimeSpan retryAfter)
    {
        lock (_lock)
        {
            var now = time.GetTimestamp();
            var available = Refill(now);
            if (available >= permitCount)
            {
                _tokens = available - permitCount;
                _updatedAt = now;
                retryAfter = TimeSpan.Zero;
                return true;
            }

            retryAfter = TimeSpan.FromSeconds((permitCount - available) / _perTick / time.TimestampFrequency);
            return false;
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount)); // no queue: a request over the limit is refused at once

    private double Refill(long now) => Math.Min(burst, _tokens + (now - _updatedAt) * _perTick);

    private sealed class Lease(TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Admitted = new(null);

        public override bool IsAcquired => retryAfter is null;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter is { } wait && metadataName == MetadataName.RetryAfter.Name ? wait : null;
            return metadata is not null;
        }
    }
}
