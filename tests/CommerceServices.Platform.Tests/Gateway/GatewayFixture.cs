using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CommerceServices.Platform.Data;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Gateway;

/// <summary>A platform with one account holding an active sandbox pair and an active production pair.</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    private PlatformHost? _host;

    public PlatformHost Host => _host!;

    public string AccountId { get; private set; } = "";

    public TestKey Sandbox { get; private set; } = null!;

    public TestKey Production { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _host = await PlatformHost.StartAsync(StorageProvider.Sqlite, new Dictionary<string, string?>
        {
            ["Gateway:LastUseFlushSeconds"] = "0.2",
            // The refusal table and the fuzz test send many bad signatures for one key from one address; the failure
            // throttle has tests of its own (GatewayHardeningTests).
            ["FailureThrottle:Burst"] = "100000",
        });
        AccountId = await CreateAccountAsync(Host);
        Sandbox = await CreateKeyAsync(Host, AccountId, GatewayEnvironment.Sandbox);
        Production = await CreateKeyAsync(Host, AccountId, GatewayEnvironment.Production);
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();

    public Uri GatewayOf(GatewayEnvironment environment) =>
        environment == GatewayEnvironment.Production ? Host.ProductionGatewayUrl : Host.SandboxGatewayUrl;

    public static async Task<string> CreateAccountAsync(PlatformHost host)
    {
        var response = await host.Management.PostAsJsonAsync("/api/v1/accounts", new { email = $"gw-{Guid.NewGuid():N}@example.com" });
        response.EnsureSuccessStatusCode();
        return (await response.ReadNodeAsync())["id"]!.GetValue<string>();
    }

    /// <summary>A call signed with <paramref name="key"/> to the gateway of its environment, with a JSON body and a data space when given.</summary>
    public static async Task<HttpResponseMessage> SendSignedAsync(PlatformHost host, TestKey key, HttpMethod method, string path,
        object? body = null, string? dataSpace = null)
    {
        var gateway = key.Environment == GatewayEnvironment.Production ? host.ProductionGatewayUrl : host.SandboxGatewayUrl;
        using var request = new HttpRequestMessage(method, new Uri(gateway, path));
        request.Headers.Add(GatewayHeaders.ApiKey, key.ApiKey);
        request.Headers.Add(GatewayHeaders.Signature, key.Token());
        if (dataSpace is not null)
        {
            request.Headers.Add(GatewayHeaders.DataSpaceId, dataSpace);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await SignedClient.SendAsync(request);
    }

    private static readonly HttpClient SignedClient = new();

    public static async Task<TestKey> CreateKeyAsync(PlatformHost host, string accountId, GatewayEnvironment environment)
    {
        var response = await host.Management.PostAsJsonAsync($"/api/v1/accounts/{accountId}/keys", new { environment = environment.ToName() });
        response.EnsureSuccessStatusCode();
        var body = await response.ReadNodeAsync();
        var privateKeyPem = body["privateKey"]!.GetValue<string>();
        return new TestKey(body["apiKey"]!.GetValue<string>(), environment, RsaPem.ReadPrivateKey(privateKeyPem).Key!, privateKeyPem);
    }
}

/// <summary>An API key with its private key, and a way to sign arbitrary (also deliberately broken) tokens.</summary>
public sealed record TestKey(string ApiKey, GatewayEnvironment Environment, RSA PrivateKey, string PrivateKeyPem)
{
    public string Token(TimeSpan? expiresIn = null) =>
        Sign(new { alg = "RS256", typ = "JWT" }, new { exp = Now + (long)(expiresIn ?? TimeSpan.FromMinutes(5)).TotalSeconds });

    public string Sign(object header, object payload) => SignRaw(Encode(header), Encode(payload));

    public string SignRaw(string header, string payload)
    {
        var signature = PrivateKey.SignData(Encoding.ASCII.GetBytes($"{header}.{payload}"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{header}.{payload}.{Base64Url(signature)}";
    }

    public static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public static string Encode(object value) => Base64Url(JsonSerializer.SerializeToUtf8Bytes(value));

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
