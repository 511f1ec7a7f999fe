using System.Data.Common;
using System.Security.Cryptography;
using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Gateway;
using CommerceServices.Platform.Gateway.Authentication;
using CommerceServices.Platform.Observability;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Tests.Gateway;

/// <summary>
/// The key cache on its own, over a real SQLite database whose reads the test can hold, fail and count: its size bound,
/// which keys it keeps, and that a stale copy serves while it is read again in the background.
/// </summary>
public sealed class KeyDirectoryTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("keydirectory-").FullName;
    private readonly ManualClock _clock = new();
    private readonly KeyReads _reads = new();
    private readonly KeyChangeFeed _changes = new();
    private ServiceProvider _services = null!;
    private string _accountId = "";

    public async Task InitializeAsync()
    {
        var services = new ServiceCollection();
        services.AddMetrics();
        services.AddSingleton<PlatformMetrics>();
        services.AddDbContext<PlatformDbContext>(o =>
            o.UseSqlite($"Data Source={Path.Combine(_folder, "platform.db")};Pooling=False").AddInterceptors(_reads));
        _services = services.BuildServiceProvider();
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        await db.Database.MigrateAsync();
        _accountId = Ids.New("acc");
        db.Accounts.Add(new Account { Id = _accountId, Email = "keys@example.com", Name = "keys" });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task SizeBound_HoldsAfterManyDistinctKeys_UnknownOnesIncluded()
    {
        using var keys = NewDirectory(cacheSize: 100);
        for (var i = 0; i < 1_000; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Null(await keys.FindAsync(ApiKeyFormat.Generate(GatewayEnvironment.Sandbox), CancellationToken.None));
            Assert.InRange(keys.Count, 1, 100);
        }
    }

    [Fact]
    public async Task HotKey_SurvivesAStreamOfColdKeys()
    {
        var hot = await AddKeyPairAsync();
        using var keys = NewDirectory(cacheSize: 100);
        Assert.NotNull(await keys.FindAsync(hot, CancellationToken.None));
        for (var i = 0; i < 1_000; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(1));
            await keys.FindAsync(ApiKeyFormat.Generate(GatewayEnvironment.Sandbox), CancellationToken.None);
            if (i % 20 == 0)
            {
                Assert.NotNull(keys.TryGetFresh(hot)); // the hot key in use all along, as a busy instance's is
            }
        }

        var readsBefore = _reads.Started;
        Assert.NotNull(await keys.FindAsync(hot, CancellationToken.None));
        Assert.Equal(readsBefore, _reads.Started); // still cached: no read
    }

    [Fact]
    public async Task StaleCopy_ServesAtOnce_WhileOneBackgroundReadFetchesTheChange()
    {
        var apiKey = await AddKeyPairAsync();
        using var keys = NewDirectory(cacheSeconds: 10);
        Assert.True((await keys.FindAsync(apiKey, CancellationToken.None))!.IsUsableAt(DateTimeOffset.UtcNow));
        await RevokeInDatabaseOnlyAsync(apiKey); // as if the notification were lost
        _clock.Advance(TimeSpan.FromSeconds(15));

        _reads.Hold();
        var readsBefore = _reads.Started;
        for (var i = 0; i < 5; i++)
        {
            var served = keys.FindAsync(apiKey, CancellationToken.None);
            Assert.True(served.IsCompleted, "a request waited for the database although a usable copy was cached");
            Assert.True((await served)!.IsUsableAt(DateTimeOffset.UtcNow)); // the stale copy
        }

        await WaitUntilAsync(() => _reads.Started == readsBefore + 1);
        await Task.Delay(100);
        Assert.Equal(readsBefore + 1, _reads.Started); // one refresh per key at a time

        _reads.Release();
        await WaitUntilAsync(() => keys.TryGetFresh(apiKey) is not null);
        Assert.False(keys.TryGetFresh(apiKey)!.IsUsableAt(DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task DatabaseAway_StaleCopyServesUpToTwiceTheCacheTime_ThenTheReadFails()
    {
        var apiKey = await AddKeyPairAsync();
        using var keys = NewDirectory(cacheSeconds: 10);
        Assert.NotNull(await keys.FindAsync(apiKey, CancellationToken.None));

        _reads.Fail = true;
        _clock.Advance(TimeSpan.FromSeconds(15));
        Assert.NotNull(await keys.FindAsync(apiKey, CancellationToken.None));
        await WaitUntilAsync(() => _reads.Failed > 0); // the background refresh failed; the copy is kept

        _clock.Advance(TimeSpan.FromSeconds(6));
        await Assert.ThrowsAnyAsync<DbException>(async () => await keys.FindAsync(apiKey, CancellationToken.None));
    }

    [Fact]
    public async Task ReadInFlightWhenTheKeyIsDropped_IsNotCached()
    {
        var apiKey = await AddKeyPairAsync();
        using var keys = NewDirectory();
        _reads.Hold();
        var lookup = keys.FindAsync(apiKey, CancellationToken.None).AsTask();
        await WaitUntilAsync(() => _reads.Started == 1);

        keys.Forget(apiKey); // a revocation committed while the row was being read
        _reads.Release();
        Assert.NotNull(await lookup);
        Assert.Null(keys.TryGetFresh(apiKey)); // the next request reads the row again
    }

    [Fact]
    public async Task ARevocationLandingWhileAReadIsStored_IsNotUndoneByThatRead()
    {
        var apiKey = await AddKeyPairAsync();
        using var keys = NewDirectory();
        var revoked = false;
        keys.WhileStoring = stored =>
        {
            if (stored == apiKey && !revoked)
            {
                // The row was read before this revocation committed; the revocation drops the key right after its commit.
                revoked = true;
                RevokeInDatabaseOnlyAsync(apiKey).GetAwaiter().GetResult();
                keys.Forget(apiKey);
            }
        };

        Assert.True((await keys.FindAsync(apiKey, CancellationToken.None))!.IsUsableAt(DateTimeOffset.UtcNow)); // read before
        keys.WhileStoring = null;

        Assert.True(revoked);
        Assert.False((await keys.FindAsync(apiKey, CancellationToken.None))!.IsUsableAt(DateTimeOffset.UtcNow));
    }

    private KeyDirectory NewDirectory(int cacheSize = 100_000, double cacheSeconds = 60) =>
        new(_services.GetRequiredService<IServiceScopeFactory>(), _changes, _clock,
            Options.Create(new GatewayOptions { KeyCacheSize = cacheSize, KeyCacheSeconds = cacheSeconds }),
            _services.GetRequiredService<PlatformMetrics>(), NullLogger<KeyDirectory>.Instance);

    private async Task<string> AddKeyPairAsync()
    {
        using var rsa = RSA.Create(2048);
        var pem = rsa.ExportSubjectPublicKeyInfoPem();
        var apiKey = ApiKeyFormat.Generate(GatewayEnvironment.Sandbox);
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        db.KeyPairs.Add(new KeyPair
        {
            Id = Ids.New("key"), AccountId = _accountId, Environment = GatewayEnvironment.Sandbox, ApiKey = apiKey,
            PublicKeyPem = pem, PublicKeyFingerprint = KeyFingerprints.Of(rsa), CreatedAt = DateTimeOffset.UtcNow,
        });
        await db.SaveChangesAsync();
        return apiKey;
    }

    private async Task RevokeInDatabaseOnlyAsync(string apiKey)
    {
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var pair = await db.KeyPairs.SingleAsync(k => k.ApiKey == apiKey);
        pair.RevokedAt = DateTimeOffset.UtcNow;
        await db.SaveChangesAsync();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var waited = 0; !condition(); waited += 10)
        {
            Assert.True(waited < 10_000, "timed out");
            await Task.Delay(10);
        }
    }

    /// <summary>A clock the test moves; only the timestamp matters to the key cache.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _timestamp = 1_000_000_000;

        public override long TimestampFrequency => 1_000_000_000;

        public override long GetTimestamp() => Interlocked.Read(ref _timestamp);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _timestamp, by.Ticks * 100);
    }

    /// <summary>Counts the key cache's reads of the KeyPairs table, and can hold them or make them fail.</summary>
    private sealed class KeyReads : DbCommandInterceptor
    {
        private TaskCompletionSource _gate = Opened();
        private int _started;
        private int _failed;

        public int Started => Volatile.Read(ref _started);

        public int Failed => Volatile.Read(ref _failed);

        public volatile bool Fail;

        public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _gate.TrySetResult();

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command,
            CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.Contains("FROM \"KeyPairs\"", StringComparison.Ordinal)
                && !command.CommandText.Contains("UPDATE", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _started);
                await _gate.Task.WaitAsync(cancellationToken);
                if (Fail)
                {
                    Interlocked.Increment(ref _failed);
                    throw new Microsoft.Data.Sqlite.SqliteException("the database is away (test)", 14);
                }
            }

            return result;
        }

        private static TaskCompletionSource Opened()
        {
            var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            opened.SetResult();
            return opened;
        }
    }
}
