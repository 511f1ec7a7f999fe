using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommerceServices.Protocol;
using CommerceServices.Testing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CommerceServices.Connector.Tests;

/// <summary>One real platform (in process, real sockets) per test class, and ways to set up accounts, keys and data spaces.</summary>
public sealed class ConnectorFixture : IAsyncLifetime
{
    private PlatformHost? _host;

    public PlatformHost Host => _host ?? throw new InvalidOperationException("The platform has not started.");

    // Production payments need a card processor: the tests' double stands in for the one an operator would register.
    public async Task InitializeAsync() => _host = await PlatformHost.StartAsync(
        services: s => s.AddSingleton<CommerceServices.Platform.Payments.IPaymentProcessor>(new RecordingProcessor()));

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    /// <summary>A new account entitled to Payment Services; returns its id.</summary>
    public async Task<string> NewAccountAsync()
    {
        using var created = await Host.Management.PostAsJsonAsync("api/v1/accounts", new { email = $"{Guid.NewGuid():N}@example.test" });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var id = (await created.ReadNodeAsync())["id"]!.GetValue<string>();
        using var granted = await Host.Management.PutAsync($"api/v1/accounts/{id}/entitlements/payments", null);
        Assert.True(granted.IsSuccessStatusCode, await granted.Content.ReadAsStringAsync());
        return id;
    }

    /// <summary>A pair made by the platform: the API key and its private key (PKCS#8 PEM).</summary>
    public async Task<(string ApiKey, string PrivateKey)> NewKeyAsync(string accountId, GatewayEnvironment environment)
    {
        using var response = await Host.Management.PostAsJsonAsync($"api/v1/accounts/{accountId}/keys", new { environment = environment.ToName() });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var body = await response.ReadNodeAsync();
        return (body["apiKey"]!.GetValue<string>(), body["privateKey"]!.GetValue<string>());
    }

    public async Task RevokeKeyAsync(string accountId, string apiKey)
    {
        using var response = await Host.Management.DeleteAsync($"api/v1/accounts/{accountId}/keys/{apiKey}");
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<string> DefaultProjectAsync(string accountId)
    {
        using var response = await Host.Management.GetAsync($"api/v1/accounts/{accountId}/projects");
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.ReadNodeAsync()).AsArray()[0]!["id"]!.GetValue<string>();
    }

    /// <summary>A new data space in the account's default project; returns its id.</summary>
    public async Task<string> NewDataSpaceAsync(string accountId, string type, string? name = null)
    {
        var project = await DefaultProjectAsync(accountId);
        using var response = await Host.Management.PostAsJsonAsync($"api/v1/accounts/{accountId}/data-spaces",
            new { projectId = project, name = name ?? $"{type}-{Guid.NewGuid():N}"[..20], type });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.ReadNodeAsync())["id"]!.GetValue<string>();
    }

    /// <summary>A data space as the management API shows it, with its holdings.</summary>
    public async Task<JsonNode> DataSpaceAsync(string accountId, string dataSpaceId)
    {
        using var response = await Host.Management.GetAsync($"api/v1/accounts/{accountId}/data-spaces/{dataSpaceId}");
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.ReadNodeAsync();
    }

    /// <summary>A connector over <paramref name="storeDirectory"/>, pointed at this platform's gateways.</summary>
    public TestConnector NewConnector(string storeDirectory, string environment = GatewayEnvironments.SandboxName, TimeProvider? time = null,
        Action<IHttpClientBuilder>? signedClient = null) =>
        TestConnector.Create(storeDirectory, Host.SandboxGatewayUrl, Host.ProductionGatewayUrl, environment, time, signedClient);
}

/// <summary>A connector built the way an app builds it (<c>AddCommerceServicesConnector</c>), with its logs captured.</summary>
public sealed class TestConnector : IAsyncDisposable
{
    public const string SignedClientName = "test-signed";

    private TestConnector(ServiceProvider services, CapturedLogs logs)
    {
        Services = services;
        Logs = logs;
        Connector = services.GetRequiredService<CommerceServicesConnector>();
    }

    public ServiceProvider Services { get; }

    public CapturedLogs Logs { get; }

    public CommerceServicesConnector Connector { get; }

    /// <summary>A client signed with <c>AddCommerceServicesSigning</c>, as a merchant's app would make one.</summary>
    public HttpClient SignedClient => Services.GetRequiredService<IHttpClientFactory>().CreateClient(SignedClientName);

    public static TestConnector Create(string storeDirectory, Uri sandboxGateway, Uri productionGateway, string environment = GatewayEnvironments.SandboxName,
        TimeProvider? time = null, Action<IHttpClientBuilder>? signedClient = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CommerceServices:StoreDirectory"] = storeDirectory,
            ["CommerceServices:SandboxGatewayUrl"] = sandboxGateway.ToString(),
            ["CommerceServices:ProductionGatewayUrl"] = productionGateway.ToString(),
            ["CommerceServices:Environment"] = environment,
            ["CommerceServices:RetryDelay"] = "00:00:00.050",
        }).Build();
        var logs = new CapturedLogs();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        if (time is not null)
        {
            services.TryAddSingleton(time);
        }

        services.AddCommerceServicesConnector(configuration);
        var builder = services.AddHttpClient(SignedClientName).AddCommerceServicesSigning();
        signedClient?.Invoke(builder);
        return new TestConnector(services.BuildServiceProvider(), logs);
    }

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}

/// <summary>A clock that can be set off from the real one, or moved by hand.</summary>
public sealed class ShiftedTimeProvider(TimeSpan offset) : TimeProvider
{
    public TimeSpan Offset { get; set; } = offset;

    public DateTimeOffset? Fixed { get; set; }

    public override DateTimeOffset GetUtcNow() => Fixed ?? System.GetUtcNow() + Offset;
}

/// <summary>A temp folder for one test's settings store, removed afterwards.</summary>
public sealed class TempStore : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("cs-connector-").FullName;

    public string Store => System.IO.Path.Combine(Path, "store");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
    }
}
