using CommerceServices.Platform.Hosting;
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
    /// <summary>Accounts whose buckets are kept at most (buckets are made only for accounts that exist).</summary>
    internal const int Capacity = 10_000;

    private readonly TokenBucketTable _buckets =
        new(options.Value.GenerationsPerMinute / 60.0, options.Value.GenerationBurst, Capacity, time);

    /// <summary>Spends one generation of the account; when none is left, false and how long until one is (whole seconds).</summary>
    public bool TryTake(string accountId, out TimeSpan retryAfter)
    {
        var taken = _buckets.TryTake(accountId, out var wait);
        retryAfter = taken ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(wait.TotalSeconds)));
        return taken;
    }

    /// <summary>Gives back a generation that was taken but not made.</summary>
    public void Return(string accountId) => _buckets.Return(accountId);
}
