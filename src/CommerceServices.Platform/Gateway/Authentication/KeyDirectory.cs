using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Observability;
using CommerceServices.Protocol;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace CommerceServices.Platform.Gateway.Authentication;

/// <summary>What the gateway needs to know of a key pair, with its RSA public key parsed once.</summary>
public sealed class GatewayKey
{
    public required string KeyPairId { get; init; }

    public required string AccountId { get; init; }

    public required string ApiKey { get; init; }

    public GatewayEnvironment Environment { get; init; }

    public required RsaSecurityKey SigningKey { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }

    public bool IsUsableAt(DateTimeOffset now) => KeyPair.IsUsable(RevokedAt, ExpiresAt, now);

    /// <summary>
    /// The caller's identity, built once per key rather than per request (it depends on nothing else). Treated as
    /// read-only; per-request facts such as the data space go in an identity of their own.
    /// </summary>
    public ClaimsIdentity Identity => field ??= new ClaimsIdentity(
    [
        new Claim(GatewayClaims.AccountId, AccountId),
        new Claim(GatewayClaims.Environment, Environment.ToName()),
        new Claim(GatewayClaims.ApiKey, ApiKey),
        new Claim(GatewayClaims.KeyPairId, KeyPairId),
    ], GatewaySignatureDefaults.AuthenticationScheme, GatewayClaims.ApiKey, null);
}

/// <summary>
/// API key → <see cref="GatewayKey"/>, cached. A revoke, delete or roll on this node drops the entry at once (through
/// <see cref="KeyChangeFeed"/>), and so does the same change on another node when PostgreSQL notifies it; every entry
/// is read again after <see cref="GatewayOptions.KeyCacheSeconds"/>, the fallback when a notification is missed.
/// Unknown keys are cached too, so a flood of made-up keys costs one query per key per period. When the database
/// cannot be reached, a stale entry is not used for long: the read fails and the request is a 503, never a 401.
/// </summary>
public sealed class KeyDirectory : IDisposable
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly IServiceScopeFactory _scopes;
    private readonly KeyChangeFeed _changes;
    private readonly TimeProvider _time;
    private readonly long _ttlTicks;

    public KeyDirectory(IServiceScopeFactory scopes, KeyChangeFeed changes, TimeProvider time, IOptions<GatewayOptions> options,
        PlatformMetrics metrics)
    {
        _scopes = scopes;
        _changes = changes;
        _time = time;
        _ttlTicks = (long)(Math.Max(0, options.Value.KeyCacheSeconds) * time.TimestampFrequency);
        _changes.KeyChanged += Forget;
        _changes.AllKeysChanged += ForgetAll;
        metrics.ObserveKeyCacheSize(() => _entries.Count);
    }

    /// <summary>A cached key pair was dropped (its id), so that what was derived from it can go too.</summary>
    public event Action<string>? KeyPairForgotten;

    /// <summary>Every cached key was dropped.</summary>
    public event Action? Cleared;

    /// <summary>The key, or null when no key pair has this API key.</summary>
    public async ValueTask<GatewayKey?> FindAsync(string apiKey, CancellationToken cancellationToken)
    {
        var now = _time.GetTimestamp();
        if (_entries.TryGetValue(apiKey, out var entry))
        {
            // Fresh, or stale while another request is reading it again: use what we have. Only briefly stale,
            // though: while the database is away a refresh keeps failing, and the old answer must not outlive it.
            var age = now - entry.LoadedAt;
            if (age < _ttlTicks || (age < 2 * _ttlTicks && Interlocked.Exchange(ref entry.Refreshing, 1) == 1))
            {
                return entry.Key;
            }
        }

        try
        {
            var key = await LoadAsync(apiKey, entry?.Key, cancellationToken);
            if (_entries.Count > 100_000)
            {
                _entries.Clear(); // bounded memory against floods of made-up keys
            }

            _entries[apiKey] = new Entry(key, now);
            return key;
        }
        finally
        {
            if (entry is not null)
            {
                Volatile.Write(ref entry.Refreshing, 0);
            }
        }
    }

    /// <summary>The cached key when it is fresh; no I/O. Lets the hot path skip work already done for this key.</summary>
    public GatewayKey? TryGetFresh(string apiKey) =>
        _entries.TryGetValue(apiKey, out var entry) && _time.GetTimestamp() - entry.LoadedAt < _ttlTicks ? entry.Key : null;

    public void Forget(string apiKey)
    {
        if (_entries.TryRemove(apiKey, out var entry) && entry.Key is { } key)
        {
            KeyPairForgotten?.Invoke(key.KeyPairId);
        }
    }

    public void ForgetAll()
    {
        _entries.Clear();
        Cleared?.Invoke();
    }

    public void Dispose()
    {
        _changes.KeyChanged -= Forget;
        _changes.AllKeysChanged -= ForgetAll;
    }

    private async Task<GatewayKey?> LoadAsync(string apiKey, GatewayKey? previous, CancellationToken cancellationToken)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var record = await db.KeyPairs.AsNoTracking()
            .Where(k => k.ApiKey == apiKey)
            .Select(k => new { k.Id, k.AccountId, k.ApiKey, k.Environment, k.PublicKeyPem, k.ExpiresAt, k.RevokedAt })
            .FirstOrDefaultAsync(cancellationToken);
        if (record is null)
        {
            return null;
        }

        // The public key of a pair never changes: keep the parsed one across refreshes.
        RsaSecurityKey signingKey;
        if (previous?.KeyPairId == record.Id)
        {
            signingKey = previous.SigningKey;
        }
        else
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(record.PublicKeyPem);
            signingKey = new RsaSecurityKey(rsa) { KeyId = record.Id };
        }

        return new GatewayKey
        {
            KeyPairId = record.Id,
            AccountId = record.AccountId,
            ApiKey = record.ApiKey,
            Environment = record.Environment,
            SigningKey = signingKey,
            ExpiresAt = record.ExpiresAt,
            RevokedAt = record.RevokedAt,
        };
    }

    private sealed class Entry(GatewayKey? key, long loadedAt)
    {
        public GatewayKey? Key { get; } = key;

        public long LoadedAt { get; } = loadedAt;

        public int Refreshing;
    }
}
