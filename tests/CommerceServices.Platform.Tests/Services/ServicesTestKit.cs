using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommerceServices.Platform.Tests.Gateway;
using CommerceServices.Platform.Tests.Scaling;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Services;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Services;

/// <summary>A merchant of a running platform process: an account entitled to the given services, its keys and data spaces.</summary>
public sealed record ServiceMerchant(string Account, TestKey Sandbox, TestKey Production, string Testing, string Live);

/// <summary>What the tests of services behind the gateway do again and again, against a platform process.</summary>
public static class ServicesTestKit
{
    // The test's own headers go out as written: without this, a tracer listening in this test process (another test's
    // in-memory exporter, running at the same time) makes HttpClient put its own new trace in the test's traceparent.
    private static readonly HttpClient Http = new(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { Timeout = TimeSpan.FromSeconds(60) };

    public static async Task<JsonNode> RegisterAsync(PlatformProcess node, ServiceRegistration registration)
    {
        using var response = await node.Management.PostAsJsonAsync("/api/v1/services", registration);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"Registering {registration.Id}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    /// <summary>An account entitled to <paramref name="services"/>, with a sandbox and a production key and a data space of each type.</summary>
    public static async Task<ServiceMerchant> MerchantAsync(PlatformProcess node, params string[] services)
    {
        var account = await Nodes.CreateAccountAsync(node);
        // Payment Services' entitlement brings the testing data spaces (R3).
        foreach (var service in services.Append("payments").Distinct())
        {
            (await node.Management.PutAsync($"/api/v1/accounts/{account}/entitlements/{service}", null)).EnsureSuccessStatusCode();
        }

        var sandbox = await Nodes.CreateKeyAsync(node, account, GatewayEnvironment.Sandbox);
        var production = await Nodes.CreateKeyAsync(node, account, GatewayEnvironment.Production);
        return new ServiceMerchant(account, sandbox, production, await DataSpaceAsync(node, account, "testing"), await DataSpaceAsync(node, account, "production"));
    }

    public static async Task<string> DataSpaceAsync(PlatformProcess node, string account, string type)
    {
        var projects = (await (await node.Management.GetAsync($"/api/v1/accounts/{account}/projects")).ReadNodeAsync()).AsArray();
        using var created = await node.Management.PostAsJsonAsync($"/api/v1/accounts/{account}/data-spaces",
            new { projectId = projects[0]!["id"]!.GetValue<string>(), name = $"{type}-{Guid.NewGuid():N}"[..24], type });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        return (await created.ReadNodeAsync())["id"]!.GetValue<string>();
    }

    /// <summary>A signed call through the gateway of <paramref name="key"/>'s environment, with any extra headers.</summary>
    public static async Task<HttpResponseMessage> CallAsync(PlatformProcess node, TestKey key, HttpMethod method, string path, string? dataSpace = null,
        HttpContent? content = null, IDictionary<string, string>? headers = null, bool sign = true, CancellationToken cancellationToken = default)
    {
        var gateway = key.Environment == GatewayEnvironment.Production ? node.ProductionGatewayUrl : node.SandboxGatewayUrl;
        using var request = new HttpRequestMessage(method, new Uri(gateway, path)) { Content = content };
        request.Headers.TryAddWithoutValidation(GatewayHeaders.ApiKey, key.ApiKey);
        if (sign)
        {
            request.Headers.TryAddWithoutValidation(GatewayHeaders.Signature, key.Token());
        }

        if (dataSpace is not null)
        {
            request.Headers.TryAddWithoutValidation(GatewayHeaders.DataSpaceId, dataSpace);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>Retries <paramref name="probe"/> until it is true or <paramref name="within"/> passes (other nodes, jobs, health checks).</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> probe, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (await probe())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return await probe();
    }
}
