using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Gateway.Authentication;

/// <summary>
/// Tokens already verified, so that a client reusing one token until shortly before its <c>exp</c> (as the protocol
/// allows) costs one RSA verification per token rather than one per request. An entry matches only the exact token
/// string and the key pair that verified it; whether that key is still usable is checked on every request anyway.
/// </summary>
internal sealed class ValidatedTokenCache(IOptionsMonitor<GatewaySignatureOptions> options)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly int _capacity = options.Get(GatewaySignatureDefaults.AuthenticationScheme).ValidatedTokenCacheSize;

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
