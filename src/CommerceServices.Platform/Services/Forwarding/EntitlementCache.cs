using System.Collections.Concurrent;
using System.Collections.Frozen;
using CommerceServices.Platform.Data;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Services.Forwarding;

/// <summary>
/// Which services each account is entitled to (R14), for the gateway's forwarding: read from the database once per
/// account, then kept for <c>ServiceGateway:EntitlementCacheTime</c>, so a forwarded call costs no query. A grant or
/// revocation is announced (<see cref="ServiceChangeFeed"/>): this node forgets the account at once, other nodes sharing
/// PostgreSQL when the notification arrives; the time limit bounds a notification lost anyway.
/// </summary>
public sealed class EntitlementCache : IDisposable
{
    /// <summary>Above this many accounts the cache starts again empty, so a stream of accounts cannot grow it without limit.</summary>
    internal const int MaximumAccounts = 100_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly IServiceScopeFactory _scopes;
    private readonly IOptions<ServiceGatewayOptions> _options;
    private readonly ServiceChangeFeed _feed;
    private readonly TimeProvider _time;

    public EntitlementCache(IServiceScopeFactory scopes, IOptions<ServiceGatewayOptions> options, ServiceChangeFeed feed, TimeProvider time)
    {
        _scopes = scopes;
        _options = options;
        _feed = feed;
        _time = time;
        _feed.EntitlementsChanged += Forget;
        _feed.EverythingChanged += _entries.Clear;
    }

    public async ValueTask<bool> IsEntitledAsync(string accountId, string serviceId, CancellationToken cancellationToken)
    {
        var now = _time.GetTimestamp();
        if (_entries.TryGetValue(accountId, out var entry) && _time.GetElapsedTime(entry.LoadedAt, now) < _options.Value.EntitlementCacheTime)
        {
            return entry.Services.Contains(serviceId);
        }

        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var services = (await db.Entitlements.AsNoTracking().Where(e => e.AccountId == accountId).Select(e => e.Service)
            .ToListAsync(cancellationToken)).ToFrozenSet(StringComparer.Ordinal);
        if (_entries.Count >= MaximumAccounts)
        {
            _entries.Clear();
        }

        _entries[accountId] = new Entry(services, now);
        return services.Contains(serviceId);
    }

    public void Forget(string accountId) => _entries.TryRemove(accountId, out _);

    public void Dispose()
    {
        _feed.EntitlementsChanged -= Forget;
        _feed.EverythingChanged -= _entries.Clear;
    }

    private sealed record Entry(FrozenSet<string> Services, long LoadedAt);
}
