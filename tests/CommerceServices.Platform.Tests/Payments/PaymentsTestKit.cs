using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommerceServices.Platform.Tests.Gateway;
using CommerceServices.Protocol;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Payments;

/// <summary>A merchant of Payment Services on a running platform: an entitled account, its key pairs and data spaces.</summary>
public sealed class Merchant(PlatformHost host, string account, string project, TestKey sandbox, TestKey production)
{
    private static readonly HttpClient Http = new();

    public string Account => account;

    public TestKey Sandbox => sandbox;

    public TestKey Production => production;

    public static async Task<Merchant> CreateAsync(PlatformHost host)
    {
        var account = await GatewayFixture.CreateAccountAsync(host);
        (await host.Management.PutAsync($"/api/v1/accounts/{account}/entitlements/payments", null)).EnsureSuccessStatusCode();
        var projects = (await (await host.Management.GetAsync($"/api/v1/accounts/{account}/projects")).ReadNodeAsync()).AsArray();
        return new Merchant(host, account, projects[0]!["id"]!.GetValue<string>(),
            await GatewayFixture.CreateKeyAsync(host, account, GatewayEnvironment.Sandbox),
            await GatewayFixture.CreateKeyAsync(host, account, GatewayEnvironment.Production));
    }

    public async Task<string> DataSpaceAsync(string type, string? name = null)
    {
        var created = await host.Management.PostAsJsonAsync($"/api/v1/accounts/{account}/data-spaces",
            new { projectId = project, name = name ?? $"{type}-{Guid.NewGuid():N}", type });
        created.EnsureSuccessStatusCode();
        return (await created.ReadNodeAsync())["id"]!.GetValue<string>();
    }

    public async Task<JsonNode> DetailsAsync(string dataSpace) =>
        await (await host.Management.GetAsync($"/api/v1/accounts/{account}/data-spaces/{dataSpace}")).ReadNodeAsync();

    public async Task<int> HoldingsAsync(string dataSpace) =>
        (await DetailsAsync(dataSpace))["holdings"]!.AsArray().Single(h => h!["service"]!.GetValue<string>() == "payments")!["items"]!.GetValue<int>();

    public Task<HttpResponseMessage> SendAsync(TestKey key, HttpMethod method, string path, string? dataSpace, object? body = null,
        string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        var gateway = key.Environment == GatewayEnvironment.Production ? host.ProductionGatewayUrl : host.SandboxGatewayUrl;
        var request = new HttpRequestMessage(method, new Uri(gateway, path));
        request.Headers.Add(GatewayHeaders.ApiKey, key.ApiKey);
        request.Headers.Add(GatewayHeaders.Signature, key.Token());
        if (dataSpace is not null)
        {
            request.Headers.Add(GatewayHeaders.DataSpaceId, dataSpace);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add(GatewayHeaders.IdempotencyKey, idempotencyKey);
        }

        if (body is not null)
        {
            request.Content = body as HttpContent ?? JsonContent.Create(body);
        }

        return Http.SendAsync(request, cancellationToken);
    }

    public Task<HttpResponseMessage> AuthorizeAsync(string dataSpace, object body, string? idempotencyKey = null, TestKey? key = null) =>
        SendAsync(key ?? sandbox, HttpMethod.Post, "/payments/v1/payments", dataSpace, body, idempotencyKey);

    public async Task<JsonNode> AuthorizedAsync(string dataSpace, long amount = 5000, string currency = "EUR", string card = Cards.Visa,
        string reference = "order-1")
    {
        var response = await AuthorizeAsync(dataSpace, Payment(amount, currency, card, reference));
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return await response.ReadNodeAsync();
    }

    public Task<HttpResponseMessage> PostAsync(string dataSpace, string path, object? body = null, string? idempotencyKey = null, TestKey? key = null) =>
        SendAsync(key ?? sandbox, HttpMethod.Post, path, dataSpace, body ?? new { }, idempotencyKey);

    public Task<HttpResponseMessage> GetAsync(string dataSpace, string path, TestKey? key = null) =>
        SendAsync(key ?? sandbox, HttpMethod.Get, path, dataSpace);

    public async Task<JsonArray> ListAsync(string dataSpace, string query = "", TestKey? key = null) =>
        (await (await GetAsync(dataSpace, "/payments/v1/payments" + query, key)).ReadNodeAsync())["data"]!.AsArray();

    public static object Payment(long amount = 5000, string currency = "EUR", string card = Cards.Visa, string reference = "order-1",
        int expYear = 2034, string? cvc = null) => new
    {
        reference,
        amount,
        currency,
        card = new { number = card, expMonth = 12, expYear, cvc = cvc ?? (card.StartsWith("37", StringComparison.Ordinal) ? "7373" : "737") },
    };
}

public static class Cards
{
    public const string Visa = "4111 1111 1111 1111";
    public const string DoNotHonour = "4000000000000002";
    public const string InsufficientFunds = "4000000000009995";
    public const string ExpiredCard = "4000000000000069";
    public const string FailsLuhn = "4242424242424241";
    /// <summary>Passes the Luhn check but is no test card: what a real card looks like to the platform.</summary>
    public const string RealLooking = "4539578763621486";
}
