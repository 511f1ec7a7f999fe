using System.Net.Http.Headers;
using CommerceServices.Platform.Accounts.KeyGeneration;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Hosting;
using CommerceServices.Testing.Keys;
using Microsoft.AspNetCore.Builder;

namespace CommerceServices.Testing;

/// <summary>
/// The real platform, in this process, on real loopback sockets (port 0 for each listener), on SQLite in a temp
/// folder or on a fresh PostgreSQL database. Logs of every level are captured, not printed. Its key pairs come from
/// <see cref="PrimePairRsaKeySource"/>.
/// </summary>
public sealed class PlatformHost : IAsyncDisposable
{
    public const string OperatorToken = "test-operator-token";

    private readonly WebApplication _app;

    private PlatformHost(WebApplication app, string dataDirectory, CapturedLogs logs, StorageProvider provider, string? connectionString)
    {
        _app = app;
        DataDirectory = dataDirectory;
        Logs = logs;
        Provider = provider;
        ConnectionString = connectionString;
        var listeners = app.Services.GetRequiredService<PlatformListeners>();
        PortalUrl = listeners.UrlOf(PlatformListener.Portal);
        ProductionGatewayUrl = listeners.UrlOf(PlatformListener.ProductionGateway);
        SandboxGatewayUrl = listeners.UrlOf(PlatformListener.SandboxGateway);
        Management = new HttpClient { BaseAddress = PortalUrl };
        Management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorToken);
    }

    public Uri PortalUrl { get; }

    public Uri ProductionGatewayUrl { get; }

    public Uri SandboxGatewayUrl { get; }

    /// <summary>A client of the management API, with the operator token.</summary>
    public HttpClient Management { get; }

    public string DataDirectory { get; }

    public CapturedLogs Logs { get; }

    public StorageProvider Provider { get; }

    /// <summary>The PostgreSQL connection string, so a second node can share the database; null on SQLite.</summary>
    public string? ConnectionString { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Starts a platform. <paramref name="settings"/> adds or overrides configuration keys; <paramref name="services"/>
    /// adds to the platform's services, as an operator's host or a test would (a payment processor, a probe on the database);
    /// <paramref name="configure"/> may change the builder after the platform's own setup (a hook on an authentication scheme, say).
    /// </summary>
    public static async Task<PlatformHost> StartAsync(StorageProvider provider = StorageProvider.Sqlite,
        IDictionary<string, string?>? settings = null, string? connectionString = null, Action<IServiceCollection>? services = null,
        Action<WebApplicationBuilder>? configure = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("cs-platform-").FullName;
        if (provider == StorageProvider.PostgreSql)
        {
            connectionString ??= await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        }

        var configuration = new Dictionary<string, string?>
        {
            ["Platform:PortalUrl"] = "http://127.0.0.1:0",
            ["Platform:ProductionGatewayUrl"] = "http://127.0.0.1:0",
            ["Platform:SandboxGatewayUrl"] = "http://127.0.0.1:0",
            ["Platform:OperatorToken"] = OperatorToken,
            ["Platform:DataDirectory"] = dataDirectory,
            ["Storage:Provider"] = provider.ToString(),
            ["Storage:ConnectionString"] = connectionString,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var logs = new CapturedLogs();
        // As command-line arguments, the way an operator starts the platform: present from the first line of composition
        // (the Data Protection key folder, for one, is read while the host is being built).
        var args = configuration.Where(c => c.Value is not null).Select(c => $"--{c.Key}={c.Value}").ToArray();
        var app = PlatformApplication.Build(args, builder =>
        {
            builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Trace).AddProvider(logs);
            // Keys made from primes of earlier ones, not generated one by one; a test's own source still wins.
            builder.Services.AddSingleton<RsaKeySource>(PrimePairRsaKeySource.Shared);
            services?.Invoke(builder.Services);
            configure?.Invoke(builder);
        });
        await app.InitializePlatformAsync();
        await app.StartAsync();
        return new PlatformHost(app, dataDirectory, logs, provider, connectionString);
    }

    public async ValueTask DisposeAsync()
    {
        Management.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a pooled connection; the temp folder is cleaned by the OS eventually.
        }
    }
}
