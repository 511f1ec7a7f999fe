using System.Net.Http.Json;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Tests.Gateway;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;
using CommerceServices.Testing;
using CommerceServices.Testing.Keys;

namespace CommerceServices.Platform.Tests.Scaling;

/// <summary>Platform processes sharing one database, and signed calls to any of them.</summary>
public sealed class Nodes : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly List<string> _folders = [];

    private Nodes(IReadOnlyList<PlatformProcess> all, IDictionary<string, string?> settings)
    {
        All = all.ToList();
        Settings = settings;
    }

    public List<PlatformProcess> All { get; }

    public IDictionary<string, string?> Settings { get; }

    public PlatformProcess this[int index] => All[index];

    /// <summary>
    /// Starts <paramref name="count"/> nodes on one database: the first alone (it creates the schema), then the rest
    /// together. <paramref name="perNode"/> adds settings of one node.
    /// </summary>
    public static async Task<Nodes> StartAsync(int count, StorageProvider provider, string? connectionString,
        IDictionary<string, string?>? settings = null, Func<int, IDictionary<string, string?>>? perNode = null)
    {
        var common = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = provider.ToString(),
            ["Storage:ConnectionString"] = connectionString,
            ["Gateway:RateLimitPerSecond"] = "100000",
            ["Gateway:RateLimitBurst"] = "100000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            common[key] = value;
        }

        var nodes = new Nodes([], common);
        nodes.All.Add(await nodes.StartNodeAsync(0, perNode));
        var rest = await Task.WhenAll(Enumerable.Range(1, count - 1).Select(i => nodes.StartNodeAsync(i, perNode)));
        nodes.All.AddRange(rest);
        return nodes;
    }

    private async Task<PlatformProcess> StartNodeAsync(int index, Func<int, IDictionary<string, string?>>? perNode)
    {
        var folder = Directory.CreateTempSubdirectory($"cs-node{index}-").FullName;
        lock (_folders)
        {
            _folders.Add(folder);
        }

        var settings = new Dictionary<string, string?>(Settings);
        foreach (var (key, value) in perNode?.Invoke(index) ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return await PlatformProcess.StartAsync(folder, settings);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in All)
        {
            await node.DisposeAsync();
        }

        foreach (var folder in _folders)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // temp folder: cleaned by the OS eventually
            }
        }
    }

    public static async Task<string> CreateAccountAsync(PlatformProcess node)
    {
        var response = await node.Management.PostAsJsonAsync("/api/v1/accounts", new { email = $"node-{Guid.NewGuid():N}@example.com" });
        response.EnsureSuccessStatusCode();
        return (await response.ReadNodeAsync())["id"]!.GetValue<string>();
    }

    /// <summary>
    /// A key pair for the account, made here and registered by its public key, as a merchant may bring one: each pair the
    /// node made itself would cost it an RSA-2048 generation (0.1 to 1 s of a core), and these tests are about what
    /// happens to keys across processes, not how they are made. <paramref name="platformMade"/> asks the node to make it.
    /// </summary>
    public static async Task<TestKey> CreateKeyAsync(PlatformProcess node, string accountId, GatewayEnvironment environment,
        int? graceSeconds = null, bool platformMade = false)
    {
        var path = graceSeconds is null ? $"/api/v1/accounts/{accountId}/keys" : $"/api/v1/accounts/{accountId}/keys/roll";
        using var own = platformMade ? null : PrimePairRsaKeySource.Shared.Create();
        var response = await node.Management.PostAsJsonAsync(path,
            new { environment = environment.ToName(), graceSeconds, publicKey = own is null ? null : RsaPem.ExportPublicKey(own) });
        response.EnsureSuccessStatusCode();
        var body = await response.ReadNodeAsync();
        var privateKeyPem = own?.ExportPkcs8PrivateKeyPem() ?? body["privateKey"]!.GetValue<string>();
        return new TestKey(body["apiKey"]!.GetValue<string>(), environment, RsaPem.ReadPrivateKey(privateKeyPem).Key!, privateKeyPem);
    }

    /// <summary>The public half of a new test key pair, for a request that registers one.</summary>
    public static string NewPublicKey()
    {
        using var rsa = PrimePairRsaKeySource.Shared.Create();
        return RsaPem.ExportPublicKey(rsa);
    }

    /// <summary>A signed gateway call to one node, with a token made once per key (as clients reuse them).</summary>
    public static async Task<HttpResponseMessage> CallAsync(PlatformProcess node, TestKey key, HttpMethod method, string path,
        object? body = null, string? dataSpace = null, string? token = null, CancellationToken cancellationToken = default)
    {
        var gateway = key.Environment == GatewayEnvironment.Production ? node.ProductionGatewayUrl : node.SandboxGatewayUrl;
        using var request = new HttpRequestMessage(method, new Uri(gateway, path));
        request.Headers.Add(GatewayHeaders.ApiKey, key.ApiKey);
        request.Headers.Add(GatewayHeaders.Signature, token ?? key.Token());
        if (dataSpace is not null)
        {
            request.Headers.Add(GatewayHeaders.DataSpaceId, dataSpace);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await Http.SendAsync(request, cancellationToken);
    }

    public static HttpClient Client => Http;
}
