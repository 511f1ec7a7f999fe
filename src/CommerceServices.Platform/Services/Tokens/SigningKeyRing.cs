using System.Security.Cryptography;
using System.Text.Json;
using CommerceServices.Platform.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace CommerceServices.Platform.Services.Tokens;

/// <summary>
/// The gateway's signing keys as this node holds them: read from the database at start, again when a roll is announced
/// (<see cref="ServiceChangeFeed"/>) and every <c>ServiceGateway:RefreshInterval</c>. Every node signs with the same key
/// at the same moment, chosen by the clock from the activation times, so a scheduled roll needs no message to take
/// effect. Rolls keep an overlap on both ends: the next key is published <c>SigningKeyPrePublication</c> before it signs,
/// and a replaced key stays published until the last token it signed has expired.
/// </summary>
public sealed partial class SigningKeyRing : IDisposable
{
    /// <summary>Published this long past the last token's expiry, for upstream clocks a little behind.</summary>
    public static readonly TimeSpan PublicationMargin = TimeSpan.FromMinutes(5);

    private readonly IServiceScopeFactory _scopes;
    private readonly IDataProtector _protector;
    private readonly IOptions<ServiceGatewayOptions> _options;
    private readonly ServiceChangeFeed _feed;
    private readonly TimeProvider _time;
    private readonly ILogger<SigningKeyRing> _logger;
    private readonly SemaphoreSlim _reloading = new(1, 1);
    private volatile IReadOnlyList<LoadedKey> _keys = [];
    private volatile Signer? _current;

    public SigningKeyRing(IServiceScopeFactory scopes, IDataProtectionProvider dataProtection, IOptions<ServiceGatewayOptions> options,
        ServiceChangeFeed feed, TimeProvider time, ILogger<SigningKeyRing> logger)
    {
        _scopes = scopes;
        _protector = dataProtection.CreateProtector(GatewaySigningKey.ProtectionPurpose);
        _options = options;
        _feed = feed;
        _time = time;
        _logger = logger;
        _feed.SigningKeysChanged += ReloadInBackground;
        _feed.EverythingChanged += ReloadInBackground;
    }

    /// <summary>Every key this node knows, oldest activation first.</summary>
    public IReadOnlyList<GatewaySigningKey> Keys => _keys.Select(k => k.Row).ToList();

    /// <summary>The key that signs now, ready for signing. Changes by itself when the next key's activation time comes.</summary>
    public Signer Current
    {
        get
        {
            var now = _time.GetUtcNow();
            var current = _current;
            if (current is not null && now >= current.ActivatesAt && now < current.Until)
            {
                return current;
            }

            return _current = SignerAt(now);
        }
    }

    /// <summary>The public keys to publish now: the next key(s), the current one, and the ones whose tokens may still be valid.</summary>
    public IReadOnlyList<PublicJsonWebKey> Published()
    {
        var now = _time.GetUtcNow();
        var keys = _keys;
        var keep = TimeSpan.FromSeconds(_options.Value.TokenLifetimeSeconds) + PublicationMargin;
        var published = new List<PublicJsonWebKey>();
        for (var i = 0; i < keys.Count; i++)
        {
            // A key signs until the next one activates; a token it signed then is valid for the token lifetime after.
            var replacedAt = keys.Skip(i + 1).Where(k => k.Row.ActivatesAt <= now).Select(k => (DateTimeOffset?)k.Row.ActivatesAt).FirstOrDefault();
            if (replacedAt is null || replacedAt.Value + keep > now)
            {
                published.Add(keys[i].Public);
            }
        }

        return published;
    }

    /// <summary>What a key is doing now: <c>next</c>, <c>signing</c>, <c>retired</c> (still published) or <c>expired</c>.</summary>
    public string StateOf(GatewaySigningKey key)
    {
        var now = _time.GetUtcNow();
        if (key.ActivatesAt > now)
        {
            return "next";
        }

        if (Current.Kid == key.Kid)
        {
            return "signing";
        }

        return Published().Any(p => p.Kid == key.Kid) ? "retired" : "expired";
    }

    /// <summary>At start: makes the first key when there is none (it signs at once: no upstream has seen any key yet).</summary>
    public async Task EnsureKeyAsync(CancellationToken cancellationToken)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await LockAsync(db, cancellationToken);
            if (!await db.Set<GatewaySigningKey>().AnyAsync(cancellationToken))
            {
                var now = _time.GetUtcNow();
                db.Set<GatewaySigningKey>().Add(GatewaySigningKey.Create(_protector, now, now));
                await db.SaveChangesAsync(cancellationToken);
                await ServiceChangeFeed.AnnounceAsync(db, ServiceChangeFeed.SigningKeysChange, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        await ReloadAsync(cancellationToken);
        if (!CanSign)
        {
            // Not fatal: a node that forwards to no service needs no key. Calls to services are refused on this node
            // (ServiceAdmission) until its Data Protection keys are those of the others.
            LogCannotOpen(_logger);
        }
    }

    /// <summary>
    /// Whether this node can sign with the current key: false when it was protected with Data Protection keys this node
    /// does not have (nodes that do not share <c>Platform:DataDirectory</c>'s keys).
    /// </summary>
    public bool CanSign
    {
        get
        {
            try
            {
                _ = Current.Credentials;
                return true;
            }
            catch (CryptographicException)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// Makes the next key, signing from <paramref name="activatesIn"/> from now (by default after the pre-publication
    /// time). A next key not yet signing is replaced. Activating at once is for a key that leaked: an upstream that has not
    /// fetched the new key yet refuses calls until it does (the stock JwtBearer handler fetches again on an unknown kid).
    /// </summary>
    public async Task<GatewaySigningKey> RollAsync(TimeSpan? activatesIn, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var key = GatewaySigningKey.Create(_protector, now, now + (activatesIn ?? _options.Value.SigningKeyPrePublication));
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await LockAsync(db, cancellationToken);
            await db.Set<GatewaySigningKey>().Where(k => k.ActivatesAt > now).ExecuteDeleteAsync(cancellationToken);
            db.Set<GatewaySigningKey>().Add(key);
            await db.SaveChangesAsync(cancellationToken);
            await ServiceChangeFeed.AnnounceAsync(db, ServiceChangeFeed.SigningKeysChange, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        LogRolled(_logger, key.Kid, key.ActivatesAt);
        await ReloadAsync(cancellationToken);
        return key;
    }

    /// <summary>
    /// The scheduled roll (run every minute by <see cref="SigningKeyRotation"/>): when the signing key nears the end of
    /// its lifetime and no next key is waiting, the next one is made, to sign once its pre-publication has passed. Keys
    /// unpublished for a day are deleted.
    /// </summary>
    public async Task RotateIfDueAsync(CancellationToken cancellationToken)
    {
        var options = _options.Value;
        var now = _time.GetUtcNow();
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var changed = false;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await LockAsync(db, cancellationToken);
            var rows = await db.Set<GatewaySigningKey>().OrderBy(k => k.ActivatesAt).ToListAsync(cancellationToken);
            var signing = rows.LastOrDefault(k => k.ActivatesAt <= now);
            if (signing is not null && rows.All(k => k.ActivatesAt <= now)
                && signing.ActivatesAt + options.SigningKeyLifetime - options.SigningKeyPrePublication <= now)
            {
                var activatesAt = Max(now + options.SigningKeyPrePublication, signing.ActivatesAt + options.SigningKeyLifetime);
                var next = GatewaySigningKey.Create(_protector, now, activatesAt);
                db.Set<GatewaySigningKey>().Add(next);
                LogRolled(_logger, next.Kid, activatesAt);
                changed = true;
            }

            // Long unpublished: a key whose successor signed for a day past its last token.
            var keep = TimeSpan.FromSeconds(options.TokenLifetimeSeconds) + PublicationMargin + TimeSpan.FromDays(1);
            for (var i = 0; i + 1 < rows.Count; i++)
            {
                if (rows[i + 1].ActivatesAt <= now && rows[i + 1].ActivatesAt + keep < now)
                {
                    db.Set<GatewaySigningKey>().Remove(rows[i]);
                    changed = true;
                }
            }

            if (changed)
            {
                await db.SaveChangesAsync(cancellationToken);
                await ServiceChangeFeed.AnnounceAsync(db, ServiceChangeFeed.SigningKeysChange, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        if (changed)
        {
            await ReloadAsync(cancellationToken);
        }
    }

    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await _reloading.WaitAsync(cancellationToken);
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            var rows = await db.Set<GatewaySigningKey>().AsNoTracking().ToListAsync(cancellationToken);
            var known = _keys.ToDictionary(k => k.Row.Kid, StringComparer.Ordinal);
            var keys = rows.OrderBy(r => r.ActivatesAt).ThenBy(r => r.Kid, StringComparer.Ordinal)
                .Select(r => known.TryGetValue(r.Kid, out var k) && k.Row.ActivatesAt == r.ActivatesAt ? k : new LoadedKey(r, _protector))
                .ToList();
            _keys = keys;
            _current = null; // chosen again from the new list at the next signature
        }
        finally
        {
            _reloading.Release();
        }
    }

    public void Dispose()
    {
        _feed.SigningKeysChanged -= ReloadInBackground;
        _feed.EverythingChanged -= ReloadInBackground;
        _reloading.Dispose();
    }

    private Signer SignerAt(DateTimeOffset now)
    {
        var keys = _keys;
        var index = -1;
        for (var i = 0; i < keys.Count; i++)
        {
            if (keys[i].Row.ActivatesAt <= now)
            {
                index = i;
            }
        }

        if (index < 0)
        {
            throw new InvalidOperationException("The platform has no signing key for its gateway tokens yet; it makes one at start.");
        }

        var until = index + 1 < keys.Count ? keys[index + 1].Row.ActivatesAt : DateTimeOffset.MaxValue;
        return keys[index].Signer(until);
    }

    private void ReloadInBackground() => _ = Task.Run(async () =>
    {
        try
        {
            await ReloadAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogReloadFailed(_logger, e.GetType().Name);
        }
    });

    private static async Task LockAsync(PlatformDbContext db, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtext('commerce_signing_keys'))", cancellationToken);
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    [LoggerMessage(EventId = 2121, Level = LogLevel.Information, Message = "Next gateway signing key {Kid} published; it signs from {ActivatesAt:o}.")]
    private static partial void LogRolled(ILogger logger, string kid, DateTimeOffset activatesAt);

    [LoggerMessage(EventId = 2124, Level = LogLevel.Error,
        Message = "This node cannot open the gateway's signing key: it was protected with Data Protection keys this node does not have, so it refuses calls to services behind the gateway. Give every node the same Data Protection keys: Platform:DataDirectory on shared storage (its data-protection-keys folder).")]
    private static partial void LogCannotOpen(ILogger logger);

    [LoggerMessage(EventId = 2122, Level = LogLevel.Warning, Message = "Could not read the gateway signing keys ({ExceptionType}); the previous ones stay.")]
    private static partial void LogReloadFailed(ILogger logger, string exceptionType);

    /// <summary>A key read from the database; its private half is decrypted the first time it signs.</summary>
    private sealed class LoadedKey(GatewaySigningKey row, IDataProtector protector)
    {
        private readonly Lazy<SigningCredentials> _credentials = new(() =>
        {
            var key = new ECDsaSecurityKey(row.OpenPrivateKey(protector)) { KeyId = row.Kid };
            // One signature provider per key, reused by every thread, rather than one made per token.
            return new SigningCredentials(key, GatewaySigningKey.Algorithm) { CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = true } };
        });

        public GatewaySigningKey Row => row;

        public PublicJsonWebKey Public { get; } = JsonSerializer.Deserialize<PublicJsonWebKey>(row.PublicJwk)!;

        public Signer Signer(DateTimeOffset until) => new(row.Kid, row.ActivatesAt, until, _credentials.Value);
    }
}

/// <summary>The signing key of the moment: its kid, its credentials, and until when it signs.</summary>
public sealed record Signer(string Kid, DateTimeOffset ActivatesAt, DateTimeOffset Until, SigningCredentials Credentials);

/// <summary>Every minute, the scheduled roll; every <c>RefreshInterval</c>, the keys read again (a missed announcement costs at most that).</summary>
internal sealed partial class SigningKeyRotation(SigningKeyRing ring, ServiceRegistry registry, IOptions<ServiceGatewayOptions> options, TimeProvider time,
    ILogger<SigningKeyRotation> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastRotation = time.GetTimestamp();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.RefreshInterval, time, stoppingToken);
                await ring.ReloadAsync(stoppingToken);
                await registry.ReloadAsync(stoppingToken);
                if (time.GetElapsedTime(lastRotation) >= TimeSpan.FromMinutes(1))
                {
                    lastRotation = time.GetTimestamp();
                    await ring.RotateIfDueAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The database is away: the keys and services in memory keep serving; the next round tries again.
                LogRefreshFailed(logger, e.GetType().Name);
            }
        }
    }

    [LoggerMessage(EventId = 2123, Level = LogLevel.Warning, Message = "Refreshing the services and signing keys failed ({ExceptionType}); the next round tries again.")]
    private static partial void LogRefreshFailed(ILogger logger, string exceptionType);
}
