using System.Security.Cryptography;
using Microsoft.Extensions.Caching.Memory;

namespace CommerceServices.Platform.Portal;

/// <summary>
/// Hands a secret made by a form post (a private key, an account token) to the one page that shows it. The secret is
/// held in this process's memory only, under a random handle bound to the user, for a few minutes, and taking it
/// removes it: reloading the page or coming back shows it no more. Never written to the database, a cookie or a URL.
/// </summary>
public sealed class OneTimeHandoff : IDisposable
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    public string Put(string userId, HandoffEntry entry)
    {
        var handle = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _cache.Set((userId, handle), entry, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = Lifetime, Size = 1 });
        return handle;
    }

    /// <summary>The entry, once; null when it was taken, expired, or belongs to another user.</summary>
    public HandoffEntry? Take(string userId, string? handle)
    {
        if (handle is null || !_cache.TryGetValue((userId, handle), out HandoffEntry? entry))
        {
            return null;
        }

        _cache.Remove((userId, handle));
        return entry;
    }

    public void Dispose() => _cache.Dispose();
}

/// <summary>What a one-time page shows: a label (API key or token name) and the secret.</summary>
public sealed record HandoffEntry(string Label, string Secret, string? Environment = null, string? Replaced = null);
