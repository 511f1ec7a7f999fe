using System.Net.Http.Json;

namespace CommerceServices.Storefront.BrowserTests;

/// <summary>
/// A second service behind the gateway in the shop: orders feed the recommendations service (its own process), and a
/// product page shows "Customers also bought", all through the connector's signed client and the one key pair (R8, R27).
/// </summary>
public sealed class AlsoBoughtTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task AProductPage_ShowsWhatCustomersAlsoBought_FromTheRecommendationsServiceBehindTheGateway()
    {
        await using var platform = await PlatformHost.StartAsync();
        await using var service = await ServiceProcess.StartAsync(Directory.CreateTempSubdirectory("cs-recommendations-").FullName, platform.PortalUrl);
        await RegisterAsync(platform, service.Url);
        await using var shop = await StorefrontHost.StartAsync(platform);
        var (merchant, dataSpace, page) = await ConnectAsync(platform, shop);
        Assert.Equal("Verified", await Pages.StatusAsync(page));

        await page.GotoAsync("/products/mug");
        Assert.Equal(0, await page.GetByTestId("also-bought").CountAsync()); // nothing bought yet: nothing to say

        // Two shoppers buy a mug: one with a T-shirt, one with a T-shirt and a cap.
        foreach (var extras in new[] { new[] { "tee" }, new[] { "tee", "cap" } })
        {
            foreach (var product in extras)
            {
                await page.GotoAsync("/");
                await page.GetByTestId($"product-{product}").GetByRole(AriaRole.Button).ClickAsync();
            }

            await Pages.CheckoutAsync(page, Pages.GoodCard, "mug");
            Assert.True(await page.GetByTestId("order-confirmation").IsVisibleAsync(), await page.ContentAsync());
        }

        // The shop sends each order to the service beside the checkout (retrying while the service is slow): the page
        // shows both orders once the service has them.
        var alsoBought = page.GetByTestId("also-bought");
        IReadOnlyList<string> items = [];
        for (var until = DateTime.UtcNow.AddSeconds(30); items.Count < 2 && DateTime.UtcNow < until;)
        {
            await page.GotoAsync("/");
            await page.GetByRole(AriaRole.Link, new() { Name = "Enamel mug" }).ClickAsync();
            items = await alsoBought.GetByRole(AriaRole.Listitem).AllInnerTextsAsync();
        }

        await Assertions.Expect(alsoBought.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Customers also bought");
        Assert.Equal(2, items.Count);
        Assert.StartsWith("Organic T-shirt", items[0]);
        Assert.StartsWith("Canvas cap", items[1]);
        await Pages.ScreenshotAsync(page, "storefront-also-bought");

        // The platform counts the service's data in the data space, beside the payments.
        using var details = await platform.Management.GetAsync($"api/v1/accounts/{merchant.AccountId}/data-spaces/{dataSpace}");
        var holdings = (await details.ReadNodeAsync())["holdings"]!.AsArray();
        Assert.Equal("2 payments", holdings.Single(h => h!["service"]!.GetValue<string>() == "payments")!["description"]!.GetValue<string>());
        Assert.Equal("5 order lines of 2 orders", holdings.Single(h => h!["service"]!.GetValue<string>() == "recommendations")!["description"]!.GetValue<string>());

        // With the service gone the page still works, without the section.
        await service.KillAsync();
        await page.GotoAsync("/products/mug");
        Assert.Equal("Enamel mug", await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync());
        Assert.Equal(0, await page.GetByTestId("also-bought").CountAsync());
    }

    /// <summary>
    /// An order placed while the recommendations service is away is confirmed at once, and counts once the service is
    /// back: the shop sends it again rather than forget it (it used to try once, for two seconds).
    /// </summary>
    [Fact]
    public async Task AnOrderPlacedWhileTheServiceIsAway_IsConfirmed_AndCountsOnceTheServiceIsBack()
    {
        await using var platform = await PlatformHost.StartAsync();
        var port = ServiceProcess.FreePort();
        await RegisterAsync(platform, new Uri($"http://127.0.0.1:{port}/"));
        await using var shop = await StorefrontHost.StartAsync(platform);
        var (_, _, page) = await ConnectAsync(platform, shop);

        await page.GotoAsync("/");
        await page.GetByTestId("product-tee").GetByRole(AriaRole.Button).ClickAsync();
        await Pages.CheckoutAsync(page, Pages.GoodCard, "mug");
        Assert.True(await page.GetByTestId("order-confirmation").IsVisibleAsync(), await page.ContentAsync());

        await using var service = await ServiceProcess.StartAsync(Directory.CreateTempSubdirectory("cs-recommendations-").FullName, platform.PortalUrl, port);
        IReadOnlyList<string> items = [];
        for (var until = DateTime.UtcNow.AddSeconds(60); items.Count == 0 && DateTime.UtcNow < until;)
        {
            await Task.Delay(500);
            await page.GotoAsync("/products/mug");
            items = await page.GetByTestId("also-bought").GetByRole(AriaRole.Listitem).AllInnerTextsAsync();
        }

        Assert.StartsWith("Organic T-shirt", Assert.Single(items));
    }

    /// <summary>Registers the recommendations service at <paramref name="url"/> (running or not).</summary>
    private static async Task RegisterAsync(PlatformHost platform, Uri url)
    {
        using var registered = await platform.Management.PostAsJsonAsync("api/v1/services", new
        {
            id = "recommendations", name = "Recommendations", pathPrefix = "/recommendations/v1", upstreams = new[] { url.AbsoluteUri },
            dataSpace = "required", lifecycleUrl = new Uri(url, "lifecycle").AbsoluteUri,
        });
        Assert.True(registered.IsSuccessStatusCode, await registered.Content.ReadAsStringAsync());
    }

    /// <summary>A merchant entitled to recommendations, its sandbox keys and testing data space entered in the shop's admin.</summary>
    private async Task<(Merchant Merchant, string DataSpace, IPage Page)> ConnectAsync(PlatformHost platform, StorefrontHost shop)
    {
        var merchant = await Merchant.CreateAsync(platform);
        (await platform.Management.PutAsync($"api/v1/accounts/{merchant.AccountId}/entitlements/recommendations", null)).EnsureSuccessStatusCode();
        var (apiKey, privateKey) = await merchant.NewKeyAsync("sandbox");
        var dataSpace = await merchant.NewDataSpaceAsync("testing", "storefront");
        var page = await Pages.ConnectAsync(chromium, shop.Url, apiKey, privateKey, dataSpace);
        return (merchant, dataSpace, page);
    }
}
