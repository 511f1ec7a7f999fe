using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace CommerceServices.Storefront.BrowserTests;

/// <summary>
/// A merchant's account on the platform, made through the management API with the operator token (not through the
/// portal's pages): entitled to Payment Services, with keys and data spaces as a test needs them.
/// </summary>
public sealed class Merchant(PlatformHost platform, string accountId)
{
    public string AccountId { get; } = accountId;

    public static async Task<Merchant> CreateAsync(PlatformHost platform)
    {
        using var created = await platform.Management.PostAsJsonAsync("api/v1/accounts", new { email = $"{Guid.NewGuid():N}@example.test", name = "Example Shop" });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var id = (await created.ReadNodeAsync())["id"]!.GetValue<string>();
        using var granted = await platform.Management.PutAsync($"api/v1/accounts/{id}/entitlements/payments", null);
        Assert.True(granted.IsSuccessStatusCode, await granted.Content.ReadAsStringAsync());
        return new Merchant(platform, id);
    }

    public async Task<(string ApiKey, string PrivateKey)> NewKeyAsync(string environment)
    {
        using var response = await platform.Management.PostAsJsonAsync($"api/v1/accounts/{AccountId}/keys", new { environment });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var body = await response.ReadNodeAsync();
        return (body["apiKey"]!.GetValue<string>(), body["privateKey"]!.GetValue<string>());
    }

    public async Task RevokeKeyAsync(string apiKey)
    {
        using var response = await platform.Management.DeleteAsync($"api/v1/accounts/{AccountId}/keys/{apiKey}");
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<string> NewDataSpaceAsync(string type, string name)
    {
        using var projects = await platform.Management.GetAsync($"api/v1/accounts/{AccountId}/projects");
        var project = (await projects.ReadNodeAsync()).AsArray()[0]!["id"]!.GetValue<string>();
        using var response = await platform.Management.PostAsJsonAsync($"api/v1/accounts/{AccountId}/data-spaces", new { projectId = project, name, type });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.ReadNodeAsync())["id"]!.GetValue<string>();
    }

    /// <summary>How many payments the platform counts in the data space's holdings.</summary>
    public async Task<int> PaymentsHeldAsync(string dataSpaceId)
    {
        using var response = await platform.Management.GetAsync($"api/v1/accounts/{AccountId}/data-spaces/{dataSpaceId}");
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var holdings = (await response.ReadNodeAsync())["holdings"]?.AsArray() ?? [];
        return holdings.Where(h => h?["service"]?.GetValue<string>() == "payments").Sum(h => h!["items"]!.GetValue<int>());
    }

    /// <summary>
    /// Copies one data space's data into another with the management API (R18), as an operator would, for the instance
    /// the target is bound to (the platform copies into a bound data space only for its own instance).
    /// </summary>
    public async Task CopyAsync(string from, string to)
    {
        using var target = await platform.Management.GetAsync($"api/v1/accounts/{AccountId}/data-spaces/{to}");
        var instanceId = (await target.ReadNodeAsync())["instanceId"]?.GetValue<string>();
        using var response = await platform.Management.PostAsJsonAsync($"api/v1/accounts/{AccountId}/data-spaces/{to}/copy", new { from, instanceId });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public static JsonNode? Node(string json) => JsonNode.Parse(json);
}
