using CommerceServices.Platform.Data;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests;

/// <summary>One running platform per test class, on the provider the subclass names.</summary>
public abstract class PlatformFixture : IAsyncLifetime
{
    private PlatformHost? _host;

    protected abstract StorageProvider Provider { get; }

    /// <summary>Configuration keys of this fixture's platform, beyond the defaults.</summary>
    protected virtual IDictionary<string, string?>? Settings => null;

    public PlatformHost Host => _host ?? throw new InvalidOperationException("The platform has not started.");

    public async Task InitializeAsync() => _host = await PlatformHost.StartAsync(Provider, Settings);

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

public sealed class SqlitePlatform : PlatformFixture
{
    protected override StorageProvider Provider => StorageProvider.Sqlite;
}

public sealed class PostgresPlatform : PlatformFixture
{
    protected override StorageProvider Provider => StorageProvider.PostgreSql;
}
