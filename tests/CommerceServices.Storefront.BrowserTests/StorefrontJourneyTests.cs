namespace CommerceServices.Storefront.BrowserTests;

/// <summary>The whole mission in a browser: a merchant connects the shop once, a shopper pays with a sandbox test card.</summary>
public sealed class StorefrontJourneyTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    public Task InitializeAsync()
    {
        chromium.Checks.Clear();
        return Task.CompletedTask;
    }

    // Every page this test opened had its security headers and no Content-Security-Policy violation.
    public Task DisposeAsync() => chromium.Checks.AssertCleanAsync();

    [Fact]
    public async Task MerchantConnectsTheShopInTheBrowser_AndASandboxCheckoutShowsInAdminAndInTheDataSpaceHoldings()
    {
        await using var platform = await PlatformHost.StartAsync();
        await using var shop = await StorefrontHost.StartAsync(platform);
        var merchant = await Merchant.CreateAsync(platform);
        var (apiKey, privateKey) = await merchant.NewKeyAsync("sandbox");
        var dataSpace = await merchant.NewDataSpaceAsync("testing", "storefront-test");
        var page = await chromium.NewPageAsync(shop.Url);

        await page.GotoAsync("/admin/sign-in");
        await Pages.ScreenshotAsync(page, "storefront-admin-sign-in");
        await Pages.SignInAsync(page);

        // Sales > Payment Services: not configured yet.
        var configure = page.GetByRole(AriaRole.Link, new() { Name = "Configure Commerce Services" });
        Assert.True(await configure.IsVisibleAsync());
        await Pages.AssertSpeaksToAMerchantAsync(page, "Admin › Payment Services");
        await Pages.ScreenshotAsync(page, "admin-payment-services-not-configured");
        await configure.ClickAsync();
        Assert.EndsWith("/admin/commerce-services/connector", page.Url);
        Assert.Equal("Not configured", await Pages.StatusAsync(page));
        await Pages.ScreenshotAsync(page, "admin-connector-not-configured");

        await Pages.EnterKeysAsync(page, "sandbox", apiKey, privateKey);
        Assert.Null(await Pages.SaveCodeAsync(page));
        Assert.True(await page.GetByTestId("sandbox-private-key-saved").IsVisibleAsync());
        // Where the merchant is, in a merchant's words: the keys work, the data space is the one step left.
        Assert.Equal("Keys work", await Pages.StatusAsync(page));
        Assert.Equal("Keys work — choose a data space", await page.GetByTestId("status-headline").InnerTextAsync());
        Assert.Contains(merchant.AccountId, await page.GetByTestId("status-message").InnerTextAsync());
        await Pages.AssertSpeaksToAMerchantAsync(page, "Admin › Commerce Services Connector");
        await Pages.ChooseDataSpaceAsync(page, dataSpace);
        Assert.Equal("Verified", await Pages.StatusAsync(page));
        Assert.Contains(merchant.AccountId, await page.Locator("#connection-status").InnerTextAsync());
        Assert.Contains("storefront-test", await page.Locator("#connection-status").InnerTextAsync());
        await Pages.ScreenshotAsync(page, "admin-connector-verified");

        // The shopper's side: products, cart, checkout with the sandbox card that succeeds.
        await page.GotoAsync("/");
        await Pages.ScreenshotAsync(page, "storefront-products");
        await page.GetByTestId("product-tee").GetByRole(AriaRole.Button).ClickAsync();
        await Pages.ScreenshotAsync(page, "storefront-cart");
        await page.GotoAsync("/checkout");
        await Pages.ScreenshotAsync(page, "storefront-checkout");
        await Pages.CheckoutAsync(page, Pages.GoodCard);
        Assert.True(await page.GetByTestId("order-confirmation").IsVisibleAsync(), await page.ContentAsync());
        var paymentId = await page.GetByTestId("payment-id").InnerTextAsync();
        Assert.StartsWith("pay", paymentId);
        await Pages.ScreenshotAsync(page, "storefront-order-confirmation");

        // The confirmation shows the shopper's email: its URL alone, in another browser, shows nothing.
        var stranger = await chromium.NewPageAsync(shop.Url);
        var elsewhere = await stranger.GotoAsync(page.Url);
        Assert.Equal(404, elsewhere!.Status);
        Assert.DoesNotContain("ada@example.test", await stranger.ContentAsync(), StringComparison.Ordinal);

        // Back in the admin: the payment is listed, and the platform counts it in the data space.
        await page.GotoAsync(Pages.Admin + "/payments");
        Assert.True(await page.GetByTestId("connected-summary").IsVisibleAsync());
        Assert.Contains(paymentId, await page.GetByTestId("payments").InnerTextAsync());
        await Pages.ScreenshotAsync(page, "admin-payment-services");
        Assert.Equal(1, await merchant.PaymentsHeldAsync(dataSpace));

        // R7 on the instance side: once saved, the private key is in no page's HTML.
        var keyBody = privateKey.Split('\n')[1];
        foreach (var path in new[] { Pages.Admin + "/connector", Pages.Admin + "/payments", "/", "/checkout" })
        {
            await page.GotoAsync(path);
            Assert.DoesNotContain(keyBody, await page.ContentAsync());
        }
    }

    [Fact]
    public async Task ADeclinedTestCard_ShowsTheDeclineToTheShopper_AndRecordsNoCapturedPayment()
    {
        await using var platform = await PlatformHost.StartAsync();
        await using var shop = await StorefrontHost.StartAsync(platform);
        var merchant = await Merchant.CreateAsync(platform);
        var (apiKey, privateKey) = await merchant.NewKeyAsync("sandbox");
        var dataSpace = await merchant.NewDataSpaceAsync("testing", "declines");
        var page = await Pages.ConnectAsync(chromium, shop.Url, apiKey, privateKey, dataSpace);
        Assert.Equal("Verified", await Pages.StatusAsync(page));

        await Pages.CheckoutAsync(page, Pages.DeclinedCard);

        var failure = page.GetByTestId("payment-failure");
        Assert.True(await failure.IsVisibleAsync());
        Assert.Contains("declined", await failure.InnerTextAsync());
        Assert.EndsWith("/checkout", page.Url);
        await Pages.ScreenshotAsync(page, "storefront-checkout-declined");
        await page.GotoAsync(Pages.Admin + "/payments");
        var listed = await page.GetByTestId("payments").InnerTextAsync();
        Assert.Contains("declined", listed);
        Assert.DoesNotContain("captured", listed);
        Assert.Empty(Directory.GetFiles(Path.Combine(shop.DataDirectory, "data", "orders")));
    }
}
