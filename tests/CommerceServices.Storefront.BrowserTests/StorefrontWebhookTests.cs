using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Tokens;

namespace CommerceServices.Storefront.BrowserTests;

/// <summary>The shop hears from the platform: a refund made through the API, not the shop, shows on the order page.</summary>
public sealed class StorefrontWebhookTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task ARefundMadeThroughTheApi_ShowsOnTheOrderPage_ByThePaymentEvents()
    {
        await using var platform = await PlatformHost.StartAsync(settings: new Dictionary<string, string?> { ["Webhooks:RetrySchedule"] = "1s,2s,5s,10s" });
        await using var shop = await StorefrontHost.StartAsync(platform);
        var merchant = await Merchant.CreateAsync(platform);
        var (apiKey, privateKey) = await merchant.NewKeyAsync("sandbox");
        var dataSpace = await merchant.NewDataSpaceAsync("testing", "storefront-hooks");

        // What try-it.sh does: register the shop's endpoint, give the shop its secret (read without a restart).
        using var created = await platform.Management.PostAsJsonAsync($"api/v1/accounts/{merchant.AccountId}/webhooks",
            new { url = new Uri(shop.Url, "/commerce-services/webhooks").AbsoluteUri, environment = "sandbox", events = new[] { "payment.*" } });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var secret = (await created.ReadNodeAsync())["secret"]!.GetValue<string>();
        await File.WriteAllTextAsync(Path.Combine(shop.DataDirectory, "data", "webhooks.json"),
            JsonSerializer.Serialize(new { CommerceServices = new { Webhooks = new { Secrets = new[] { secret } } } }));

        var page = await chromium.NewPageAsync(shop.Url);
        await page.GotoAsync("/admin/sign-in");
        await Pages.SignInAsync(page, Pages.Admin + "/connector");
        await Pages.EnterKeysAsync(page, "sandbox", apiKey, privateKey);
        await Pages.ChooseDataSpaceAsync(page, dataSpace);
        await page.GotoAsync("/");
        await Pages.CheckoutAsync(page, Pages.GoodCard);
        Assert.True(await page.GetByTestId("order-confirmation").IsVisibleAsync(), await page.ContentAsync());
        var orderUrl = page.Url;
        var paymentId = await page.GetByTestId("payment-id").InnerTextAsync();

        // A refund of 5.00 made by someone with the API (as the CLI or a back office would), not by the shop.
        using var rsa = RSA.Create();
        rsa.ImportFromPem(privateKey);
        using var refund = new HttpRequestMessage(HttpMethod.Post, new Uri(platform.SandboxGatewayUrl, $"/payments/v1/payments/{paymentId}/refunds"))
        {
            Content = JsonContent.Create(new { amount = 500 }),
        };
        refund.Headers.Add(GatewayHeaders.ApiKey, apiKey);
        refund.Headers.Add(GatewayHeaders.Signature, new GatewayTokenSigner(rsa).CreateToken(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1)));
        refund.Headers.Add(GatewayHeaders.DataSpaceId, dataSpace);
        refund.Headers.Add(GatewayHeaders.IdempotencyKey, Guid.NewGuid().ToString());
        using var http = new HttpClient();
        using var refunded = await http.SendAsync(refund);
        Assert.True(refunded.IsSuccessStatusCode, await refunded.Content.ReadAsStringAsync());

        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!await page.GetByTestId("refunded").IsVisibleAsync())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), "The refund never showed on the order page:\n" + await page.ContentAsync());
            await Task.Delay(250);
            await page.GotoAsync(orderUrl);
        }

        Assert.Contains("5.00", await page.GetByTestId("refunded").InnerTextAsync());
        Assert.Equal("partially refunded", await page.GetByTestId("payment-status").InnerTextAsync());
    }
}
