using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CommerceServices.Testing;

/// <summary>Small helpers to read JSON answers in tests.</summary>
public static class Json
{
    public static async Task<JsonNode> ReadNodeAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new JsonException("Empty body.");

    /// <summary>The <c>code</c> of a problem+json answer, after checking the media type.</summary>
    public static async Task<string?> ProblemCodeAsync(this HttpResponseMessage response)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            throw new InvalidOperationException(
                $"Expected application/problem+json, got {response.Content.Headers.ContentType} ({(int)response.StatusCode}): " +
                await response.Content.ReadAsStringAsync());
        }

        return (await response.ReadNodeAsync())["code"]?.GetValue<string>();
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object body) =>
        client.PostAsJsonAsync(path, body);
}
