using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommerceServices.Platform.Data;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Webhooks;

/// <summary>Platforms with a short retry schedule, and the calls the webhook tests make.</summary>
public static class WebhooksTestKit
{
    /// <summary>Short enough for tests, long enough to tell the steps apart on a loaded machine.</summary>
    public const string ShortSchedule = "400ms,1200ms,3s";

    public static Dictionary<string, string?> FastSettings(string schedule = ShortSchedule) => new()
    {
        ["Webhooks:RetrySchedule"] = schedule,
        ["Webhooks:PollInterval"] = "00:00:00.050",
        ["Webhooks:ProbeInterval"] = "00:00:00.500",
        ["Webhooks:CircuitThreshold"] = "3",
        ["Webhooks:Timeout"] = "00:00:05",
    };

    public static Task<PlatformHost> StartAsync(StorageProvider provider = StorageProvider.Sqlite, IDictionary<string, string?>? extra = null)
    {
        var settings = FastSettings();
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return PlatformHost.StartAsync(provider, settings);
    }

    public static async Task<(string Id, string Secret)> CreateEndpointAsync(HttpClient management, string account, Uri url, string environment = "sandbox",
        params string[] events)
    {
        var response = await management.PostAsJsonAsync($"/api/v1/accounts/{account}/webhooks",
            new { url = url.AbsoluteUri, environment, events = events.Length == 0 ? ["*"] : events, description = "test receiver" });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, body);
        var created = JsonNode.Parse(body)!;
        return (created["endpoint"]!["id"]!.GetValue<string>(), created["secret"]!.GetValue<string>());
    }

    public static async Task<JsonNode> GetAsync(HttpClient management, string path)
    {
        var response = await management.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    public static async Task<JsonNode> PostAsync(HttpClient management, string path, object? body = null)
    {
        var response = await management.PostAsJsonAsync(path, body ?? new { });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Waits until <paramref name="done"/> holds for the value <paramref name="read"/> returns.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var value = await read();
        while (!done(value))
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for {what}; last: {value}");
            }

            await Task.Delay(100);
            value = await read();
        }

        return value;
    }

    public static string Text(this JsonNode? node, string member) => node?[member]?.GetValue<string>() ?? "";
}
