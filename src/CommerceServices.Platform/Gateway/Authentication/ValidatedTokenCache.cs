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

    public ValidatedTokenCache(IOptionsMonitor<GatewaySignatureOptions> options, KeyDirectory keys)
    {
        _capacity = options.Get(GatewaySignatureDefaults.AuthenticationScheme).ValidatedTokenCacheSize;
        keys.KeyPairForgotten += ForgetKeyPair;
        keys.Cleared += _entries.Clear;
    }

    public int Count => _entries.Count;

    private void ForgetKeyPair(string keyPairId)
    {
        foreach (var (token, entry) in _entries)
        {
            if (entry.KeyPairId == keyPairId)
            {
                _entries.TryRemove(token, out _);
            }
        }
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

        if (_entries.Count >= _capacity)
        {
            foreach (var (key, entry) in _entries)
            {
                if (entry.UsableUntil <= nowUnixSeconds)
                {
                    _entries.TryRemove(key, out _);
                }
            }

            if (_entries.Count >= _capacity)
            {
                _entries.Clear();
            }
        }

        _entries[token] = new Entry(keyPairId, usableUntil);
    }

    private sealed record Entry(string KeyPairId, long UsableUntil);
}
