using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Gateway.Authentication;

/// <summary>
/// Tokens already verified, so that a client reusing one token until shortly before its <c>exp</c> (as the protocol
/// allows) costs one RSA verification per token rather than one per request. An entry matches only the exact token
/// string and the key pair that verified it; whether that key is still usable is checked on every request anyway.
/// The tokens of a key pair go when the key directory drops that pair (a revocation here or on another node).
/// </summary>
internal sealed class ValidatedTokenCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private int _count;
    private int _makingRoom;

    public ValidatedTokenCache(IOptionsMonitor<GatewaySignatureOptions> options, KeyDirectory keys)
    {
        _capacity = options.Get(GatewaySignatureDefaults.AuthenticationScheme).ValidatedTokenCacheSize;
        keys.KeyPairForgotten += ForgetKeyPair;
        keys.Cleared += ForgetAll;
    }

    public int Count => _entries.Count;

    private void ForgetKeyPair(string keyPairId)
    {
        foreach (var (token, entry) in _entries)
        {
            if (entry.KeyPairId == keyPairId && _entries.TryRemove(token, out _))
            {
                Interlocked.Decrement(ref _count);
            }
        }
    }

    private void ForgetAll()
    {
        _entries.Clear();
        Volatile.Write(ref _count, 0);
    }

    public bool IsValidated(string token, string keyPairId, long nowUnixSeconds) =>
        _entries.TryGetValue(token, out var entry) && entry.KeyPairId == keyPairId && nowUnixSeconds < entry.UsableUntil;

    /// <param name="usableUntil">Unix seconds after which the token no longer passes (its <c>exp</c> plus the clock skew).</param>
    public void Add(string token, string keyPairId, long usableUntil, long nowUnixSeconds)
    {
        if (_capacity == 0)
        {
            return;
        }

        if (_entries.TryAdd(token, new Entry(keyPairId, usableUntil)) && Interlocked.Increment(ref _count) > _capacity)
        {
            MakeRoom(nowUnixSeconds);
        }
    }

    /// <summary>
    /// Drops expired tokens, and every token if that is not enough. Runs on one request at a time, once per
    /// <c>capacity</c> additions at most; the count is kept apart because <c>ConcurrentDictionary.Count</c> takes every
    /// lock of the dictionary, which on each request cost more than the RSA check it saves (a client that signs a new
    /// token per request adds one every time).
    /// </summary>
    private void MakeRoom(long nowUnixSeconds)
    {
        if (Interlocked.Exchange(ref _makingRoom, 1) == 1)
        {
            return;
        }

        try
        {
            foreach (var (token, entry) in _entries)
            {
                if (entry.UsableUntil <= nowUnixSeconds)
                {
                    _entries.TryRemove(token, out _);
                }
            }

            if (_entries.Count > _capacity / 2)
            {
                _entries.Clear();
            }

            Volatile.Write(ref _count, _entries.Count);
        }
        finally
        {
            Volatile.Write(ref _makingRoom, 0);
        }
    }

    private sealed record Entry(string KeyPairId, long UsableUntil);
}
