namespace CommerceServices.Storefront.BrowserTests;

/// <summary>
/// Every page of the shop and of the admin library, in each of its states, at 390 and 1280 px: no sideways scroll, no
/// word broken inside; and (as in every browser test here) the security headers and no CSP violation on each.
/// </summary>
public sealed class EveryPageTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private readonly List<string> _layout = [];

    public Task InitializeAsync()
    {
        chromium.Checks.Clear();
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => chromium.Checks.AssertCleanAsync();

    [Fact]
    public async Task EveryShopAndAdminPage_FitsAPhoneAndADesktop_WithItsSecurityHeaders()
    {
        await using var platform = await PlatformHost.StartAsync();
        await using var shop = await StorefrontHost.StartAsync(platform);
        var merchant = await Merchant.CreateAsync(platform);
        var (apiKey, privateKey) = await merchant.NewKeyAsync("sandbox");
        var dataSpace = await merchant.NewDataSpaceAsync("testing", "storefront-test");
        var page = await chromium.NewPageAsync(shop.Url);

        await VisitAsync(page, "/");
        await VisitAsync(page, "/cart"); // empty
        await VisitAsync(page, "/checkout"); // empty cart
        await VisitAsync(page, "/orders/ord_0000000000000000"); // not found
        await page.GotoAsync("/");
        await page.GetByTestId("product-mug").GetByRole(AriaRole.Button).ClickAsync();
        await page.GotoAsync("/");
        await page.GetByTestId("product-notebook").GetByRole(AriaRole.Button).ClickAsync();
        await LayoutAsync(page); // the cart with two lines
        await VisitAsync(page, "/checkout"); // the shop is not connected yet

        await VisitAsync(page, "/admin/sign-in");
        await Pages.SignInAsync(page);
        await LayoutAsync(page); // Payment Services, not configured
        await VisitAsync(page, Pages.Admin + "/connector"); // not configured
        await Pages.EnterKeysAsync(page, "sandbox", apiKey, privateKey);
        await LayoutAsync(page); // keys work, choose a data space
        await Pages.EnterKeysAsync(page, "production", "cs_sbx_not_a_production_key", privateKey);
        await LayoutAsync(page); // refused
        await page.GotoAsync(Pages.Admin + "/connector");
        await Pages.ChooseDataSpaceAsync(page, dataSpace);
        await LayoutAsync(page); // verified
        await VisitAsync(page, Pages.Admin + "/payments"); // verified, no payments yet

        await Pages.CheckoutAsync(page, Pages.DeclinedCard);
        await LayoutAsync(page); // declined
        await page.GotoAsync("/checkout");
        await Pages.CheckoutAsync(page, Pages.GoodCard);
        await LayoutAsync(page); // order confirmation
        await VisitAsync(page, Pages.Admin + "/payments"); // with the payment and the declined one

        Assert.True(_layout.Count == 0, "Pages that do not fit:\n" + string.Join('\n', _layout));
    }

    private async Task VisitAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        await LayoutAsync(page);
    }

    private async Task LayoutAsync(IPage page) => _layout.AddRange(await PageLayout.ProblemsAtEveryWidthAsync(page));
}
