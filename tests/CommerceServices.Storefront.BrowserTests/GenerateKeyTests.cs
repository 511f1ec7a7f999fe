using System.Net.Http.Json;

namespace CommerceServices.Storefront.BrowserTests;

/// <summary>
/// "Generate a key pair here" on the connector page (R19): the pair is made in the shop, only its public key goes to the
/// platform, and the shop is connected with it — all in the browser.
/// </summary>
public sealed class GenerateKeyTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task GenerateAKeyPairHere_RegistersOnlyThePublicKey_AndTheShopConnectsWithIt()
    {
        await using var platform = await PlatformHost.StartAsync();
        await using var shop = await StorefrontHost.StartAsync(platform);
        var merchant = await Merchant.CreateAsync(platform);
        var dataSpace = await merchant.NewDataSpaceAsync("testing", "generated-key");
        using var tokenMade = await platform.Management.PostAsJsonAsync($"api/v1/accounts/{merchant.AccountId}/tokens", new { name = "shop admin" });
        Assert.True(tokenMade.IsSuccessStatusCode, await tokenMade.Content.ReadAsStringAsync());
        var accessToken = (await tokenMade.ReadNodeAsync())["secret"]!.GetValue<string>();
        var page = await chromium.NewPageAsync(shop.Url);
        await Pages.SignInAsync(page, Pages.Admin + "/connector");

        await page.Locator("#keyEnvironment").SelectOptionAsync("sandbox");
        await page.Locator("#accountId").FillAsync(merchant.AccountId);
        await page.Locator("#accessToken").FillAsync(accessToken);
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate and register" }).ClickAsync();

        Assert.Null(await Pages.SaveCodeAsync(page));
        Assert.True(await page.GetByTestId("sandbox-private-key-saved").IsVisibleAsync(), await page.ContentAsync());
        using var listed = await platform.Management.GetAsync($"api/v1/accounts/{merchant.AccountId}/keys");
        var key = Assert.Single((await listed.ReadNodeAsync()).AsArray());
        Assert.Equal("uploaded", key!["origin"]!.GetValue<string>());
        Assert.Equal("active", key["status"]!.GetValue<string>());
        Assert.Contains(key["apiKey"]!.GetValue<string>(), await page.ContentAsync());
        Assert.DoesNotContain(accessToken, await page.ContentAsync()); // used for the one request, never shown back

        await Pages.ChooseDataSpaceAsync(page, dataSpace);
        Assert.Equal("Verified", await Pages.StatusAsync(page));
    }
}
