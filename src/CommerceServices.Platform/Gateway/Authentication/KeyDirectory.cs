using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Observability;
using CommerceServices.Protocol;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Gateway.Authentication;

/// <summary>What the gateway needs to know of a key pair, with its RSA public key parsed once.</summary>
public sealed class GatewayKey
{
    public required string KeyPairId { get; init; }

    public required string AccountId { get; init; }

    public required string ApiKey { get; init; }

    public GatewayEnvironment Environment { get; init; }

    /// <summary>
    /// The registered RSA public key, parsed on the first signature check (about a millisecond of CPU): a key that is
    /// only looked up, such as one sent with a malformed token or a key of the wrong gateway, costs no parse, and its
    /// cache entry stays small. Shared by every request of the key; RSA verification keeps no state between calls.
    /// </summary>
    public required Lazy<RSA> PublicKey { get; init; }

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
/// Unknown keys are cached too, so a flood of made-up keys costs one query per key per period.
/// <para>
/// At most <see cref="GatewayOptions.KeyCacheSize"/> keys are kept: past that, the least recently used tenth goes (by a
/// coarse last-use stamp), so a stream of distinct keys costs queries, not memory, and the keys in use stay. A stale
/// entry is read again in the background, one read per key at a time, while requests go on with the copy they have.
/// When the database cannot be reached, that copy is not used for long: past twice the cache time the read is made
/// inline and fails, so the request is a 503, never a 401.
/// </para>
/// </summary>
public sealed partial class KeyDirectory : IDisposable
{
    /// <summary>Share of the entries an eviction removes: rare, so the sort it costs is paid once per many misses.</summary>
    private const double EvictedShare = 0.1;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly IServiceScopeFactory _scopes;
    private readonly KeyChangeFeed _changes;
    private readonly TimeProvider _time;
    private readonly ILogger<KeyDirectory> _logger;
    private readonly long _ttlTicks;
    private readonly long _stampTicks;
    private readonly int _capacity;
    private readonly CancellationTokenSource _stopping = new();
    private int _count;
    private int _evicting;

    // Bumped by every drop. A read that started before a drop must not put back what the drop removed (it may have read
    // the row before the revocation committed): such a read answers its request but is not cached.
    private long _invalidations;

    public KeyDirectory(IServiceScopeFactory scopes, KeyChangeFeed changes, TimeProvider time, IOptions<GatewayOptions> options,
        PlatformMetrics metrics, ILogger<KeyDirectory> logger)
    {
        _scopes = scopes;
        _changes = changes;
        _time = time;
        _logger = logger;
        _ttlTicks = (long)(Math.Max(0, options.Value.KeyCacheSeconds) * time.TimestampFrequency);
        _stampTicks = Math.Max(1, time.TimestampFrequency / 1000); // last use to the millisecond: enough to order keys
        _capacity = Math.Max(1, options.Value.KeyCacheSize);
        _changes.KeyChanged += Forget;
        _changes.AllKeysChanged += ForgetAll;
        metrics.ObserveKeyCacheSize(() => Volatile.Read(ref _count));
    }

    /// <summary>A cached key pair was dropped (its id), so that what was derived from it can go too.</summary>
    public event Action<string>? KeyPairForgotten;

    /// <summary>Every cached key was dropped.</summary>
    public event Action? Cleared;

    /// <summary>Runs while a key just read from the database is being stored: tests land a revocation there.</summary>
    internal Action<string>? WhileStoring { get; set; }

    /// <summary>Cached keys, known and unknown (approximate while other threads add and evict).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The key, or null when no key pair has this API key.</summary>
    public async ValueTask<GatewayKey?> FindAsync(string apiKey, CancellationToken cancellationToken)
    {
        var now = _time.GetTimestamp();
        if (_entries.TryGetValue(apiKey, out var entry))
        {
            entry.Touch(now / _stampTicks);
            var age = now - entry.LoadedAt;
            if (age < _ttlTicks)
            {
                return entry.Key;
            }

            // Stale: answer with it and read it again in the background. Only briefly stale, though: while the database
            // is away every refresh fails, and the old answer must not outlive it.
            if (age < 2 * _ttlTicks)
            {
                if (Interlocked.Exchange(ref entry.Refreshing, 1) == 0)
                {
                    _ = Task.Run(() => RefreshAsync(apiKey, entry), CancellationToken.None);
                }

                return entry.Key;
            }
        }

        var invalidations = Volatile.Read(ref _invalidations);
        var key = await LoadAsync(apiKey, entry?.Key, cancellationToken);
        Store(apiKey, new Entry(key, Staggered(now), now / _stampTicks), invalidations);
        return key;
    }

    /// <summary>The cached key when it is fresh; no I/O. Lets the hot path skip work already done for this key.</summary>
    public GatewayKey? TryGetFresh(string apiKey)
    {
        if (!_entries.TryGetValue(apiKey, out var entry))
        {
            return null;
        }

        var now = _time.GetTimestamp();
        entry.Touch(now / _stampTicks);
        return now - entry.LoadedAt < _ttlTicks ? entry.Key : null;
    }

    public void Forget(string apiKey)
    {
        Interlocked.Increment(ref _invalidations);
        if (_entries.TryRemove(apiKey, out var entry))
        {
            Interlocked.Decrement(ref _count);
            if (entry.Key is { } key)
            {
                KeyPairForgotten?.Invoke(key.KeyPairId);
            }
        }
    }

    public void ForgetAll()
    {
        Interlocked.Increment(ref _invalidations);
        _entries.Clear();
        Volatile.Write(ref _count, 0);
        Cleared?.Invoke();
    }

    public void Dispose()
    {
        _changes.KeyChanged -= Forget;
        _changes.AllKeysChanged -= ForgetAll;
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private async Task RefreshAsync(string apiKey, Entry stale)
    {
        try
        {
            var invalidations = Volatile.Read(ref _invalidations);
            var key = await LoadAsync(apiKey, stale.Key, _stopping.Token);
            var refreshed = new Entry(key, Staggered(_time.GetTimestamp()), Volatile.Read(ref stale.LastUsed));
            // Only in place of the copy it refreshes: a drop meanwhile (entry gone, or replaced) wins.
            if (Volatile.Read(ref _invalidations) == invalidations)
            {
                _entries.TryUpdate(apiKey, refreshed, stale);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The stale copy serves until twice the cache time; then a request reads inline and gets the failure.
            LogRefreshFailed(_logger, e.GetType().Name);
        }
        finally
        {
            Volatile.Write(ref stale.Refreshing, 0);
        }
    }

    /// <summary>
    /// Caches what a read found, unless a drop came after the read began (the row may predate the revocation that
    /// dropped it). A drop counts first, then removes; a store adds first, then looks at the count: whichever way the two
    /// interleave, the entry does not outlive the drop — either the store sees the drop and takes its own entry back,
    /// or the drop's removal comes after the add and removes it.
    /// </summary>
    private void Store(string apiKey, Entry entry, long invalidationsBeforeRead)
    {
        if (Volatile.Read(ref _invalidations) != invalidationsBeforeRead)
        {
            return;
        }

        var added = false;
        _entries.AddOrUpdate(apiKey, _ => { added = true; return entry; }, (_, _) => { added = false; return entry; });
        if (added)
        {
            Interlocked.Increment(ref _count);
        }

        WhileStoring?.Invoke(apiKey);
        if (Volatile.Read(ref _invalidations) != invalidationsBeforeRead)
        {
            if (_entries.TryRemove(new KeyValuePair<string, Entry>(apiKey, entry)))
            {
                Interlocked.Decrement(ref _count);
            }

            return;
        }

        if (added && Volatile.Read(ref _count) > _capacity)
        {
            EvictLeastRecentlyUsed();
        }
    }

    /// <summary>
    /// Removes about a tenth of the entries, those used longest ago. One thread at a time; the others carry on (the
    /// bound may be passed by a few entries meanwhile). Evicted keys raise no event: their verified tokens stay valid for
    /// the same key pair (a pair's public key never changes) and expire on their own.
    /// </summary>
    private void EvictLeastRecentlyUsed()
    {
        if (Interlocked.Exchange(ref _evicting, 1) == 1)
        {
            return;
        }

        try
        {
            var stamps = new List<long>(_capacity + _capacity / 8);
            foreach (var (_, entry) in _entries)
            {
                stamps.Add(Volatile.Read(ref entry.LastUsed));
            }

            var toRemove = Math.Max(1, stamps.Count - (int)(_capacity * (1 - EvictedShare)));
            stamps.Sort();
            var threshold = stamps[Math.Min(toRemove, stamps.Count) - 1];
            var removed = 0;
            foreach (var (apiKey, entry) in _entries)
            {
                if (removed >= toRemove)
                {
                    break;
                }

                if (Volatile.Read(ref entry.LastUsed) <= threshold
                    && _entries.TryRemove(new KeyValuePair<string, Entry>(apiKey, entry)))
                {
                    removed++;
                }
            }

            // Recount from what is there, so drift from racing adds and clears does not accumulate.
            Volatile.Write(ref _count, _entries.Count);
        }
        finally
        {
            Volatile.Write(ref _evicting, 0);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Reading a cached key again failed ({ExceptionType}); its copy serves until twice Gateway:KeyCacheSeconds.")]
    private static partial void LogRefreshFailed(ILogger logger, string exceptionType);

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

        // The public key of a pair never changes: keep the parsed one (or the promise of it) across refreshes.
        var publicKey = previous?.KeyPairId == record.Id ? previous.PublicKey : ParseOnFirstUse(record.PublicKeyPem);

        return new GatewayKey
        {
            KeyPairId = record.Id,
            AccountId = record.AccountId,
            ApiKey = record.ApiKey,
            Environment = record.Environment,
            PublicKey = publicKey,
            ExpiresAt = record.ExpiresAt,
            RevokedAt = record.RevokedAt,
        };
    }

    /// <summary>
    /// A load time up to a fifth of the cache time earlier than the real one: keys loaded together (after a restart, or a
    /// burst of new callers) then go stale at different moments instead of all being read again in the same second.
    /// Never later, so no copy is trusted longer than the setting says.
    /// </summary>
    private long Staggered(long loadedAt) => loadedAt - Random.Shared.NextInt64(0, _ttlTicks / 5 + 1);

    private static Lazy<RSA> ParseOnFirstUse(string publicKeyPem) => new(() =>
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(publicKeyPem);
        return rsa;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    private sealed class Entry(GatewayKey? key, long loadedAt, long lastUsed)
    {
        public GatewayKey? Key { get; } = key;

        public long LoadedAt { get; } = loadedAt;

        /// <summary>In milliseconds of the timestamp clock; written only when it moves, so hot keys do not bounce a cache line.</summary>
        public long LastUsed = lastUsed;

        public int Refreshing;

        public void Touch(long stamp)
        {
            if (Volatile.Read(ref LastUsed) != stamp)
            {
                Volatile.Write(ref LastUsed, stamp);
            }
        }
    }
}
