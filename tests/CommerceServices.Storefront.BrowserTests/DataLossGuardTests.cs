namespace CommerceServices.Storefront.BrowserTests;

/// <summary>The data-loss guard (R12, R18) as a confirmation in the browser: refusal listing holdings, carry over, discard.</summary>
public sealed class DataLossGuardTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    public Task InitializeAsync()
    {
        chromium.Checks.Clear();
        return Task.CompletedTask;
    }

    // Every page this test opened had its security headers and no Content-Security-Policy violation.
    public Task DisposeAsync() => chromium.Checks.AssertCleanAsync();

    [Fact]
    public async Task MovingAProductionShop_IsRefusedListingWhatItHolds_ThenCarriesTheDataOver_ThenMovesBackDiscarding()
    {
        // Two production data spaces, so a production shop has somewhere to move to.
        await using var platform = await PlatformHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Registry:EntitlementQuotas:payments:Production"] = "2",
        });
        await using var shop = await StorefrontHost.StartAsync(platform);
        var merchant = await Merchant.CreateAsync(platform);
        var (sandboxKey, sandboxPrivate) = await merchant.NewKeyAsync("sandbox");
        var (productionKey, productionPrivate) = await merchant.NewKeyAsync("production");
        var testing = await merchant.NewDataSpaceAsync("testing", "trial");
        var live = await merchant.NewDataSpaceAsync("production", "live");
        var next = await merchant.NewDataSpaceAsync("production", "live-2");
        var page = await chromium.NewPageAsync(shop.Url);
        await Pages.SignInAsync(page);

        // Sandbox payments, then carried into the live data space by the operator, so the live data space holds data.
        await Pages.EnterKeysAsync(page, "sandbox", sandboxKey, sandboxPrivate);
        await Pages.ChooseDataSpaceAsync(page, testing);
        await Pages.CheckoutAsync(page, Pages.GoodCard);
        await Pages.CheckoutAsync(page, Pages.GoodCard, "cap");
        await Pages.EnterKeysAsync(page, "production", productionKey, productionPrivate, dataSpaceId: live);
        Assert.Equal("Verified", await Pages.StatusAsync(page));
        await merchant.CopyAsync(testing, live);
        var held = await merchant.PaymentsHeldAsync(live);
        Assert.Equal(2, held);

        await Pages.ChooseDataSpaceAsync(page, next);

        var guard = page.GetByTestId("data-loss-guard");
        Assert.True(await guard.IsVisibleAsync());
        Assert.Equal("data_loss_confirmation_required", await Pages.SaveCodeAsync(page));
        // In Payment Services' own words, not a bare count.
        Assert.Contains($"Payment Services: {held} payments", await page.GetByTestId("holdings").InnerTextAsync());
        await Pages.ScreenshotAsync(page, "admin-connector-data-loss-guard");
        await page.GetByRole(AriaRole.Button, new() { Name = "Carry the data over and move" }).ClickAsync();

        Assert.Null(await Pages.SaveCodeAsync(page));
        Assert.Equal("Verified", await Pages.StatusAsync(page));
        Assert.Contains(next, await page.Locator("#connection-status").InnerTextAsync());
        Assert.Equal(held, await merchant.PaymentsHeldAsync(next));

        // Back to the first data space, leaving the copy behind on purpose.
        await Pages.ChooseDataSpaceAsync(page, live);
        Assert.True(await page.GetByTestId("data-loss-guard").IsVisibleAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Move without the data" }).ClickAsync();

        Assert.Null(await Pages.SaveCodeAsync(page));
        Assert.Equal("Verified", await Pages.StatusAsync(page));
        Assert.Contains(live, await page.Locator("#connection-status").InnerTextAsync());
        Assert.Equal(held, await merchant.PaymentsHeldAsync(next));
        Assert.Equal(held, await merchant.PaymentsHeldAsync(live));
    }
}
