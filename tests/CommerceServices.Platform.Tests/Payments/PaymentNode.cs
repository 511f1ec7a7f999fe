using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Payments;
using CommerceServices.Platform.Tests.Gateway;
using CommerceServices.Platform.Tests.Scaling;
using CommerceServices.Protocol;
using CommerceServices.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CommerceServices.Platform.Tests.Payments;

/// <summary>
/// A platform process (<see cref="PlatformProcess"/>) with a merchant of Payment Services on it, that can be killed with
/// SIGKILL and started again on the same storage, and read through its database as the tests' own eyes.
/// </summary>
public sealed class PaymentNode : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly IDictionary<string, string?> _settings;

    private PaymentNode(StorageProvider provider, string folder, string? connectionString, IDictionary<string, string?> settings)
    {
        Provider = provider;
        Folder = folder;
        ConnectionString = connectionString;
        _settings = settings;
    }

    public StorageProvider Provider { get; }

    public string Folder { get; }

    public string? ConnectionString { get; }

    public PlatformProcess Process { get; private set; } = null!;

    public TestKey Key { get; private set; } = null!;

    public string DataSpace { get; private set; } = null!;

    /// <summary>Starts a node with a merchant (an entitled account, a sandbox key, a testing data space).</summary>
    public static async Task<PaymentNode> StartAsync(StorageProvider provider, IDictionary<string, string?>? settings = null,
        string? faultInjection = null)
    {
        var connectionString = provider == StorageProvider.PostgreSql ? await (await PostgresServer.SharedAsync()).CreateDatabaseAsync() : null;
        var all = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = provider.ToString(),
            ["Storage:ConnectionString"] = connectionString,
            ["Gateway:RateLimitPerSecond"] = "100000",
            ["Gateway:RateLimitBurst"] = "100000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var node = new PaymentNode(provider, Directory.CreateTempSubdirectory("cs-payments-").FullName, connectionString, all);
        await node.RestartAsync(faultInjection);
        var process = node.Process;
        var account = await Nodes.CreateAccountAsync(process);
        (await process.Management.PutAsync($"/api/v1/accounts/{account}/entitlements/payments", null)).EnsureSuccessStatusCode();
        var project = (await (await process.Management.GetAsync($"/api/v1/accounts/{account}/projects")).ReadNodeAsync())[0]!["id"]!.GetValue<string>();
        node.Key = await Nodes.CreateKeyAsync(process, account, GatewayEnvironment.Sandbox);
        var space = await process.Management.PostAsJsonAsync($"/api/v1/accounts/{account}/data-spaces", new { projectId = project, name = "till", type = "testing" });
        node.DataSpace = (await space.ReadNodeAsync())["id"]!.GetValue<string>();
        return node;
    }

    /// <summary>Starts the node (again) on its storage; with <paramref name="faultInjection"/> (<c>boundary:kind</c>), payment calls stop there.</summary>
    public async Task RestartAsync(string? faultInjection = null)
    {
        var environment = faultInjection is null ? null : new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = FaultInjection.EnvironmentName,
            [FaultInjection.Variable] = faultInjection,
        };
        Process = await PlatformProcess.StartAsync(Folder, _settings, environment);
    }

    /// <summary>SIGKILL, then wait for the process to be gone.</summary>
    public async Task KillAsync()
    {
        await Process.KillAsync();
        await Process.DisposeAsync();
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, string? idempotencyKey = null,
        CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, new Uri(Process.SandboxGatewayUrl, path));
        request.Headers.Add(GatewayHeaders.ApiKey, Key.ApiKey);
        request.Headers.Add(GatewayHeaders.Signature, Key.Token());
        request.Headers.Add(GatewayHeaders.DataSpaceId, DataSpace);
        if (idempotencyKey is not null)
        {
            request.Headers.Add(GatewayHeaders.IdempotencyKey, idempotencyKey);
        }

        if (body is not null || method == HttpMethod.Post)
        {
            request.Content = JsonContent.Create(body ?? new { });
        }

        return await Http.SendAsync(request, cancellationToken);
    }

    public async Task<string> AuthorizedAsync(string reference = "order-1")
    {
        using var response = await SendAsync(HttpMethod.Post, "/payments/v1/payments", Merchant.Payment(reference: reference));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.ReadNodeAsync())["id"]!.GetValue<string>();
    }

    public async Task<JsonNode> PaymentAsync(string id)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/payments/v1/payments/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadNodeAsync();
    }

    /// <summary>The platform's database, read directly: what the sandbox processor did, the events, the operations.</summary>
    public PlatformDbContext Database() => Open(Provider, Provider == StorageProvider.Sqlite ? $"Data Source={Path.Combine(Folder, "platform.db")}" : ConnectionString!);

    public static PlatformDbContext Open(StorageProvider provider, string connectionString)
    {
        var builder = new DbContextOptionsBuilder<PlatformDbContext>();
        _ = provider == StorageProvider.Sqlite ? builder.UseSqlite(connectionString) : builder.UseNpgsql(connectionString);
        return new PlatformDbContext(builder.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)).Options);
    }

    /// <summary>Operations the sandbox processor did for a payment (each key once), and of which kind.</summary>
    public async Task<List<string>> ProcessorOperationsAsync(string paymentId, string? kind = null)
    {
        await using var db = Database();
        var prefix = kind is null ? paymentId + "/" : $"{paymentId}/{kind}/";
        return await db.SandboxProcessorOperations.AsNoTracking().Where(o => o.Key.StartsWith(prefix)).Select(o => o.Key).ToListAsync();
    }

    public async Task<List<string>> EventTypesAsync(string paymentId)
    {
        await using var db = Database();
        return await db.OutboxEvents.AsNoTracking().Where(e => e.SubjectId == paymentId).OrderBy(e => e.Sequence).Select(e => e.Type).ToListAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Process is not null)
        {
            await Process.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // temp folder
        }
    }
}
