using System.Collections.Frozen;
using CommerceServices.Platform.Data;

namespace CommerceServices.Platform.Services;

/// <summary>
/// The services of this platform as this node knows them: Payment Services (built in) and every registered service,
/// read from the database at start, again whenever a change is announced (<see cref="ServiceChangeFeed"/>), and every
/// <c>ServiceGateway:RefreshInterval</c> besides. Lookups read an immutable snapshot: no lock and no database on the
/// gateway's hot path.
/// </summary>
public sealed partial class ServiceRegistry : IDisposable
{
    private readonly IServiceScopeFactory _scopes;
    private readonly ServiceChangeFeed _feed;
    private readonly ILogger<ServiceRegistry> _logger;
    private readonly SemaphoreSlim _reloading = new(1, 1);
    private volatile Snapshot _snapshot = Snapshot.Of([ServiceDefinition.Payments]);

    public ServiceRegistry(IServiceScopeFactory scopes, ServiceChangeFeed feed, ILogger<ServiceRegistry> logger)
    {
        _scopes = scopes;
        _feed = feed;
        _logger = logger;
        _feed.ServicesChanged += ReloadInBackground;
        _feed.EverythingChanged += ReloadInBackground;
    }

    /// <summary>Every service, Payment Services first, then by id.</summary>
    public IReadOnlyList<ServiceDefinition> All => _snapshot.Services;

    /// <summary>Raised after a reload that changed the list (the proxy's routes and clusters follow it).</summary>
    public event Action<IReadOnlyList<ServiceDefinition>>? Changed;

    public ServiceDefinition? Find(string? id) => id is not null && _snapshot.ById.TryGetValue(id.Trim(), out var service) ? service : null;

    /// <summary>Reads the list from the database; a reload running already is waited for, then this one runs.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await _reloading.WaitAsync(cancellationToken);
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            var rows = await db.Set<RegisteredService>().AsNoTracking().ToListAsync(cancellationToken);
            var services = rows.Where(r => r.Id != ServiceDefinition.Payments.Id).Select(r => r.ToDefinition()).OrderBy(s => s.Id, StringComparer.Ordinal);
            var next = Snapshot.Of([ServiceDefinition.Payments, .. services]);
            if (!next.Services.SequenceEqual(_snapshot.Services, DefinitionComparer.Instance))
            {
                _snapshot = next;
                LogReloaded(_logger, next.Services.Count);
                Changed?.Invoke(next.Services);
            }
        }
        finally
        {
            _reloading.Release();
        }
    }

    public void Dispose()
    {
        _feed.ServicesChanged -= ReloadInBackground;
        _feed.EverythingChanged -= ReloadInBackground;
        _reloading.Dispose();
    }

    private void ReloadInBackground() => _ = Task.Run(async () =>
    {
        try
        {
            await ReloadAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The database is away; the periodic refresh tries again, and the current list keeps serving meanwhile.
            LogReloadFailed(_logger, e.GetType().Name);
        }
    });

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Service list loaded: {Count} service(s).")]
    private static partial void LogReloaded(ILogger logger, int count);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Could not read the service list ({ExceptionType}); the previous one stays.")]
    private static partial void LogReloadFailed(ILogger logger, string exceptionType);

    private sealed record Snapshot(IReadOnlyList<ServiceDefinition> Services, FrozenDictionary<string, ServiceDefinition> ById)
    {
        public static Snapshot Of(IReadOnlyList<ServiceDefinition> services) =>
            new(services, services.ToFrozenDictionary(s => s.Id, StringComparer.Ordinal));
    }

    /// <summary>Records compare their lists by reference; two reads of the same rows must be the same list.</summary>
    private sealed class DefinitionComparer : IEqualityComparer<ServiceDefinition>
    {
        public static readonly DefinitionComparer Instance = new();

        public bool Equals(ServiceDefinition? x, ServiceDefinition? y) => x is not null && y is not null && Key(x) == Key(y);

        public int GetHashCode(ServiceDefinition obj) => Key(obj).GetHashCode(StringComparison.Ordinal);

        private static string Key(ServiceDefinition s) =>
            $"{s.SettingsKey}\n{s.CreatedAt.ToUnixTimeMilliseconds()}\n{s.UpdatedAt.ToUnixTimeMilliseconds()}";
    }
}
