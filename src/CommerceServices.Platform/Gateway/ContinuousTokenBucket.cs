namespace CommerceServices.Platform.Gateway;

/// <summary>
/// A token bucket that refills continuously: every request sees the tokens earned since the last one, to the fraction,
/// so the sustained rate is exactly <c>perSecond</c> whatever its value (the framework's bucket adds whole tokens per
/// period, which rounded 5/s up to 10/s and 1005/s down to 1000/s). No timer: the refill is computed on each take, and
/// a take allocates nothing. One per API key, in <see cref="GatewayRateLimiter"/>.
/// </summary>
internal sealed class ContinuousTokenBucket(double perSecond, int burst, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly double _perTick = perSecond / time.TimestampFrequency;
    private double _tokens = burst;
    private long _updatedAt = time.GetTimestamp();

    /// <summary>Full again: dropping the bucket forgives nothing, since a new one starts full too.</summary>
    public bool IsFull
    {
        get
        {
            lock (_lock)
            {
                return Refill(time.GetTimestamp()) >= burst;
            }
        }
    }

    /// <summary>Takes one token; when there is none, says how long until one is earned.</summary>
    public bool TryTake(out TimeSpan retryAfter)
    {
        lock (_lock)
        {
            var now = time.GetTimestamp();
            var available = Refill(now);
            if (available >= 1)
            {
                _tokens = available - 1;
                _updatedAt = now;
                retryAfter = TimeSpan.Zero;
                return true;
            }

            retryAfter = TimeSpan.FromSeconds((1 - available) / _perTick / time.TimestampFrequency);
            return false;
        }
    }

    private double Refill(long now) => Math.Min(burst, _tokens + (now - _updatedAt) * _perTick);
}
