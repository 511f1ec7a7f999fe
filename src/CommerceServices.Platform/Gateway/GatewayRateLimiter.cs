using CommerceServices.Platform.Hosting;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Gateway;

/// <summary>
/// The per-key rate limit (R21): a bucket per API key on this node (<c>Gateway:RateLimitPerSecond</c> sustained,
/// <c>Gateway:RateLimitBurst</c> at once), in a <see cref="TokenBucketTable"/>, so a stream of distinct keys costs bounded
/// memory and a key over its limit stays refused however many others come.
/// </summary>
internal sealed class GatewayRateLimiter(IOptions<GatewayOptions> options, TimeProvider time)
{
    /// <summary>Keys whose buckets are kept at most; past it the fullest go (a full bucket forgives nothing).</summary>
    internal const int Capacity = 100_000;

    private readonly TokenBucketTable _buckets = new(options.Value.RateLimitPerSecond, options.Value.RateLimitBurst, Capacity, time);

    public int Count => _buckets.Count;

    /// <summary>Spends one token of the key's bucket; when it is empty, says how long until one is earned.</summary>
    public bool TryAdmit(string apiKey, out TimeSpan retryAfter) => _buckets.TryTake(apiKey, out retryAfter);
}
