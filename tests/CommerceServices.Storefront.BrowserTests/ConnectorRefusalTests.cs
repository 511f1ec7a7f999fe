namespace CommerceServices.Storefront.BrowserTests;

/// <summary>The refusals as a merchant meets them on the connector and Payment Services pages (R10, R13, R20, R21).</summary>
public sealed class ConnectorRefusalTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    public Task InitializeAsync()
    {
        chromium.Checks.Clear();
        return Task.CompletedTask;
    }

    // Every page this test opened had its security headers and no Content-Security-Policy violation.
    public Task DisposeAsync() => chromium.Checks.AssertCleanAsync();

    [Fact]
    public async Task AWrongPrivateKey_IsRefusedWithInvalidSignature_AndTheTypedApiKeyIsKept()
    {
        await using var platform = await PlatformHost.StartAsync();
        await using var shop = await StorefrontHost.StartAsync(platform);
        var merchant = await Merchant.CreateAsync(platform);
        var (apiKey, _) = await merchant.NewKeyAsync("sandbox");
        var (_, otherPrivateKey) = await (await Merchant.CreateAsync(platform)).NewKeyAsync("sandbox");
        var page = await chromium.NewPageAsync(shop.Url);
        await Pages.SignInAsync(page);

        await Pages.EnterKeysAsync(page, "sandbox", apiKey, otherPrivateKey);

        Assert.Equal("invalid_signature", await Pages.SaveCodeAsync(page));
        Assert.Contains("private key does not belong to this API key", await page.GetByTestId("save-outcome").InnerTextAsync());
        Assert.Equal(apiKey, await page.GetByLabel("Sandbox API key").InputValueAsync());
        Assert.Equal("", await page.GetByLabel("Sandbox private key", new() { Exact = true }).InputValueAsync());
        Assert.Equal("Not configured", await Pages.StatusAsync(page));
        await Pages.ScreenshotAsync(page, "admin-connector-refused");
    }

    [Fact]
    public async Task ASandboxKeyInTheProductionField_IsRefusedBeforeAnythingIsSent()
    {
        await using var platform = await PlatformHost.StartAsync();
        await using var shop = await StorefrontHost.StartAsync(platform);
        var merchant = await Merchant.CreateAsync(platform);
        var (apiKey, privateKey) = await merchant.NewKeyAsync("sandbox");
        var page = await chromium.NewPageAsync(shop.Url);
        await Pages.SignInAsync(page);

        await Pages.EnterKeysAsync(page, "production", apiKey, privateKey);

        Assert.Equal("environment_mismatch", await Pages.SaveCodeAsync(page));
        Assert.Contains("sandbox", await page.GetByTestId("save-outcome").InnerTextAsync());
        Assert.Equal(apiKey, await page.GetByLabel("Production API key").InputValueAsync());
    }

    [Fact]
    public async Task AKeyRevokedOnThePlatform_ShowsTheVerificationErrorWithRevokedApiKey_OnTheNextLoad()
    {
        await using var platform = await PlatformHost.StartAsync();
        await using var shop = await StorefrontHost.StartAsync(platform);
        var merchant = await Merchant.CreateAsync(platform);
        var (apiKey, privateKey) = await merchant.NewKeyAsync("sandbox");
        var dataSpace = await merchant.NewDataSpaceAsync("testing", "revoked");
        var page = await Pages.ConnectAsync(chromium, shop.Url, apiKey, privateKey, dataSpace);
        Assert.Equal("Verified", await Pages.StatusAsync(page));

        await merchant.RevokeKeyAsync(apiKey);
        await page.GotoAsync(Pages.Admin + "/payments");

        Assert.True(await page.GetByRole(AriaRole.Heading, new() { Name = "Account verification error" }).IsVisibleAsync());
        Assert.Equal("revoked_api_key", await page.GetByTestId("verification-code").InnerTextAsync());
        Assert.Contains("Make a new key pair", await page.GetByTestId("verification-error").InnerTextAsync());
        await Pages.ScreenshotAsync(page, "admin-payment-services-verification-error");
    }

    [Fact]
    public async Task APlatformThatIsStopped_ShowsAsUnreachable_NotAsWrongKeys()
    {
        var platform = await PlatformHost.StartAsync();
        await using var shop = await StorefrontHost.StartAsync(platform);
        var merchant = await Merchant.CreateAsync(platform);
        var (apiKey, privateKey) = await merchant.NewKeyAsync("sandbox");
        var dataSpace = await merchant.NewDataSpaceAsync("testing", "stopped");
        var page = await Pages.ConnectAsync(chromium, shop.Url, apiKey, privateKey, dataSpace);
        Assert.Equal("Verified", await Pages.StatusAsync(page));

        await platform.DisposeAsync();
        await page.GotoAsync(Pages.Admin + "/payments");

        Assert.True(await page.GetByTestId("unreachable").IsVisibleAsync());
        Assert.Equal(0, await page.GetByTestId("verification-error").CountAsync());
        await page.GotoAsync(Pages.Admin + "/connector");
        Assert.Equal("Unreachable", await Pages.StatusAsync(page));
        Assert.Equal("Commerce Services cannot be reached", await page.GetByTestId("status-headline").InnerTextAsync());
        Assert.Contains("did not answer", await page.GetByTestId("status-message").InnerTextAsync());
        await Pages.ScreenshotAsync(page, "admin-connector-unreachable");
    }

    [Fact]
    public async Task ASecondInstanceChoosingADataSpaceBoundToTheFirst_IsToldInWordsThatItIsBoundElsewhere()
    {
        await using var platform = await PlatformHost.StartAsync();
        await using var first = await StorefrontHost.StartAsync(platform);
        await using var second = await StorefrontHost.StartAsync(platform);
        var merchant = await Merchant.CreateAsync(platform);
        var (apiKey, privateKey) = await merchant.NewKeyAsync("sandbox");
        var dataSpace = await merchant.NewDataSpaceAsync("testing", "first-shop");
        var page = await Pages.ConnectAsync(chromium, first.Url, apiKey, privateKey, dataSpace);
        Assert.Equal("Verified", await Pages.StatusAsync(page));

        var other = await chromium.NewPageAsync(second.Url);
        await Pages.SignInAsync(other);
        await Pages.EnterKeysAsync(other, "sandbox", apiKey, privateKey);
        Assert.Contains("used by another instance", await other.GetByLabel("Project and data space").InnerTextAsync());
        await Pages.ChooseDataSpaceAsync(other, dataSpace);

        Assert.Equal("data_space_bound_elsewhere", await Pages.SaveCodeAsync(other));
        Assert.Contains("already used by another instance", await other.GetByTestId("save-outcome").InnerTextAsync());
        await page.ReloadAsync();
        Assert.Equal("Verified", await Pages.StatusAsync(page));
    }
}
