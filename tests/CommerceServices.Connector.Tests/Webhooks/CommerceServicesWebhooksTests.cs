using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using CommerceServices.Connector.Webhooks;
using CommerceServices.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using StandardWebhooks;

namespace CommerceServices.Connector.Tests.Webhooks;

/// <summary>
/// <c>MapCommerceServicesWebhooks</c> in a real app on a loopback socket: deliveries from the real platform reach the
/// handler typed; forged, stale and repeated ones do not.
/// </summary>
public sealed class CommerceServicesWebhooksTests : IAsyncLifetime
{
    private static readonly string Secret = "whsec_" + Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly string NewSecret = "whsec_" + Convert.ToBase64String(Enumerable.Range(50, 32).Select(i => (byte)i).ToArray());
    private readonly ConcurrentQueue<CommerceServicesEvent> _handled = new();
    private readonly HttpClient _http = new();
    private WebApplication _app = null!;
    private Uri _url = null!;

    public async Task InitializeAsync() => (_app, _url) = await StartAppAsync("http://127.0.0.1:0", NewSecret, Secret);

    private async Task<(WebApplication App, Uri Url)> StartAppAsync(string listen, params string[] secrets)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(listen);
        for (var i = 0; i < secrets.Length; i++)
        {
            builder.Configuration[$"CommerceServices:Webhooks:Secrets:{i}"] = secrets[i];
        }

        builder.Services.AddCommerceServicesWebhooks(builder.Configuration);
        var app = builder.Build();
        app.MapCommerceServicesWebhooks("/commerce-services/webhooks", (e, ct) =>
        {
            _handled.Enqueue(e);
            return e.Type == "payment.failed" ? throw new InvalidOperationException("the app is not ready") : Task.CompletedTask;
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return (app, new Uri(address, "/commerce-services/webhooks"));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task ATestEventFromThePlatform_ReachesTheHandler_Typed()
    {
        await using var platform = await PlatformHost.StartAsync();
        var account = (await (await platform.Management.PostAsJsonAsync("/api/v1/accounts", new { email = $"hooks-{Guid.NewGuid():N}@example.com" })).ReadNodeAsync())["id"]!.GetValue<string>();
        using var port = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        port.Start();
        var listen = $"http://127.0.0.1:{((IPEndPoint)port.LocalEndpoint).Port}";
        port.Stop();
        var created = await (await platform.Management.PostAsJsonAsync($"/api/v1/accounts/{account}/webhooks",
            new { url = listen + "/commerce-services/webhooks", environment = "sandbox", events = new[] { "*" } })).ReadNodeAsync();
        var endpoint = created["endpoint"]!["id"]!.GetValue<string>();
        // The app is configured with the secret the platform made.
        var (app, _) = await StartAppAsync(listen, created["secret"]!.GetValue<string>());
        await using var stopping = app;

        var sent = await (await platform.Management.PostAsync($"/api/v1/accounts/{account}/webhooks/{endpoint}/test", null)).ReadNodeAsync();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (_handled.IsEmpty && watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
        }

        var test = Assert.IsType<TestEvent>(Assert.Single(_handled));
        Assert.Equal(sent["eventId"]!.GetValue<string>(), test.Id);
        Assert.Equal(endpoint, test.Test.EndpointId);
        Assert.Equal("sandbox", test.Environment);
    }

    [Fact]
    public async Task APaymentEvent_SignedWithTheOldAndTheNewSecret_VerifiesWithEither_AndArrivesTyped()
    {
        var body = """{"id":"evt_1","type":"payment.captured","createdAt":"2026-12-05T10:00:00.000Z","environment":"sandbox","dataSpaceId":"ds_1","data":{"id":"pay_1","reference":"ord_1","status":"captured","declineReason":null,"amount":1999,"capturedAmount":1999,"refundedAmount":0,"currency":"EUR","displayAmount":"19.99 EUR","card":null,"refunds":[],"createdAt":"2026-12-05T10:00:00.000Z","updatedAt":"2026-12-05T10:00:01.000Z"}}""";
        var other = "whsec_" + Convert.ToBase64String(new byte[32]);

        // The new secret's signature last: the package on its own would not find it.
        using var response = await SendAsync(body, "evt_1", DateTimeOffset.UtcNow, other, Secret);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var payment = Assert.IsType<PaymentEvent>(Assert.Single(_handled));
        Assert.Equal(("pay_1", "captured", 1999L, "ds_1"), (payment.Payment.Id, payment.Payment.Status, payment.Payment.CapturedAmount, payment.DataSpaceId));
    }

    [Fact]
    public async Task AForgedStaleOrRepeatedDelivery_IsRefusedOrAcknowledged_WithoutReachingTheHandlerTwice()
    {
        const string body = """{"id":"evt_2","type":"webhook.test","createdAt":"2026-12-05T10:00:00.000Z","environment":"sandbox","data":{"endpointId":"we_1","message":"hi"}}""";
        var wrong = "whsec_" + Convert.ToBase64String(new byte[32]);

        using (var forged = await SendAsync(body, "evt_2", DateTimeOffset.UtcNow, wrong))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
            Assert.Equal("invalid_signature", await forged.ProblemCodeAsync());
        }

        using (var stale = await SendAsync(body, "evt_2", DateTimeOffset.UtcNow.AddMinutes(-6), Secret))
        {
            Assert.Equal(HttpStatusCode.BadRequest, stale.StatusCode);
            Assert.Equal("stale_timestamp", await stale.ProblemCodeAsync());
        }

        using (var early = await SendAsync(body, "evt_2", DateTimeOffset.UtcNow.AddMinutes(6), Secret))
        {
            Assert.Equal("stale_timestamp", await early.ProblemCodeAsync());
        }

        using (var tampered = await SendAsync(body, "evt_2", DateTimeOffset.UtcNow, Secret, bodyOverride: body.Replace("hi", "ho", StringComparison.Ordinal)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, tampered.StatusCode);
        }

        Assert.Empty(_handled);
        using (var first = await SendAsync(body, "evt_2", DateTimeOffset.UtcNow, Secret))
        {
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        }

        using (var again = await SendAsync(body, "evt_2", DateTimeOffset.UtcNow, Secret))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode); // acknowledged, so the platform stops
        }

        Assert.Single(_handled);
        using var missing = await _http.PostAsync(_url, new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("missing_webhook_headers", await missing.ProblemCodeAsync());
    }

    [Fact]
    public async Task AHandlerThatFails_Answers500_AndTheEventIsHandledWhenItComesAgain()
    {
        const string body = """{"id":"evt_3","type":"payment.failed","createdAt":"2026-12-05T10:00:00.000Z","environment":"sandbox","data":{}}""";

        using var first = await SendAsync(body, "evt_3", DateTimeOffset.UtcNow, Secret);
        using var second = await SendAsync(body, "evt_3", DateTimeOffset.UtcNow, Secret);

        Assert.Equal(HttpStatusCode.InternalServerError, first.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, second.StatusCode); // not remembered as handled
        Assert.Equal(2, _handled.Count);
    }

    private Task<HttpResponseMessage> SendAsync(string body, string id, DateTimeOffset timestamp, string secret, string? secondSecret = null,
        string? bodyOverride = null)
    {
        var signatures = new StandardWebhook(secret).Sign(id, timestamp, body);
        if (secondSecret is not null)
        {
            signatures += " " + new StandardWebhook(secondSecret).Sign(id, timestamp, body);
        }

        var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new StringContent(bodyOverride ?? body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", signatures);
        return _http.SendAsync(request);
    }
}
