using CommerceServices.Testing;
using System.Text.RegularExpressions;

namespace CommerceServices.Storefront.BrowserTests;

/// <summary>What a merchant and a shopper do in the browser, step by step, through labels and buttons as they read them.</summary>
public static partial class Pages
{
    public const string Admin = "/admin/commerce-services";
    public const string GoodCard = "4111 1111 1111 1111";
    public const string DeclinedCard = "4000 0000 0000 0002";

    public static async Task SignInAsync(IPage page, string returnTo = Admin + "/payments")
    {
        await page.GotoAsync(returnTo);
        Assert.EndsWith("/admin/sign-in", new Uri(page.Url).AbsolutePath);
        await page.GetByLabel("User name").FillAsync(StorefrontHost.AdminUser);
        await page.GetByLabel("Password").FillAsync(StorefrontHost.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        Assert.Equal(returnTo, new Uri(page.Url).AbsolutePath);
    }

    /// <summary>Enters a key pair in the section of <paramref name="field"/> with the instance running in <paramref name="environment"/>, and saves.</summary>
    public static async Task EnterKeysAsync(IPage page, string environment, string apiKey, string privateKey, string? field = null,
        string? dataSpaceId = null)
    {
        field ??= environment;
        var title = field == "sandbox" ? "Sandbox" : "Production";
        await page.GotoAsync(Admin + "/connector");
        await page.GetByLabel(environment == "sandbox" ? "Sandbox (test payments)" : "Production (live payments)").CheckAsync();
        await page.GetByLabel($"{title} API key").FillAsync(apiKey);
        await page.GetByLabel($"{title} private key", new() { Exact = true }).FillAsync(privateKey);
        if (dataSpaceId is not null)
        {
            await page.GetByLabel("Project and data space").SelectOptionAsync(dataSpaceId);
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Save and verify" }).ClickAsync();
    }

    /// <summary>
    /// A new page of the shop, signed in to its admin, with the sandbox key pair entered and the data space chosen and
    /// saved: a merchant connecting the shop.
    /// </summary>
    public static async Task<IPage> ConnectAsync(Chromium chromium, Uri shopUrl, string apiKey, string privateKey, string dataSpace)
    {
        var page = await chromium.NewPageAsync(shopUrl);
        await SignInAsync(page);
        await EnterKeysAsync(page, "sandbox", apiKey, privateKey);
        await ChooseDataSpaceAsync(page, dataSpace);
        return page;
    }

    public static async Task ChooseDataSpaceAsync(IPage page, string dataSpaceId)
    {
        await page.GetByLabel("Project and data space").SelectOptionAsync(dataSpaceId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save and verify" }).ClickAsync();
    }

    /// <summary>
    /// The page names the shop's own menu path (set by the host), no menu the shop does not have, and no command-line
    /// flag or command in backticks.
    /// </summary>
    public static async Task AssertSpeaksToAMerchantAsync(IPage page, string menuPath)
    {
        var text = await page.Locator("main").InnerTextAsync();
        Assert.Contains(menuPath, text, StringComparison.Ordinal);
        Assert.DoesNotContain("Stores ›", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Stores >", text, StringComparison.Ordinal);
        Assert.DoesNotContain("`", text, StringComparison.Ordinal);
        Assert.DoesNotContain("commerce-services ", text, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(^|\s)--[a-z]", text);
    }

    public static Task<string> StatusAsync(IPage page) => page.Locator("#connection-status .badge").InnerTextAsync();

    public static async Task<string?> SaveCodeAsync(IPage page) =>
        await page.GetByTestId("save-code").CountAsync() == 0 ? null : await page.GetByTestId("save-code").InnerTextAsync();

    /// <summary>Adds a product, pays at checkout with <paramref name="card"/>.</summary>
    public static async Task CheckoutAsync(IPage page, string card, string product = "mug")
    {
        await page.GotoAsync("/");
        await page.GetByTestId($"product-{product}").GetByRole(AriaRole.Button).ClickAsync();
        await page.GotoAsync("/checkout");
        await page.GetByLabel("Name").FillAsync("Ada Shopper");
        await page.GetByLabel("Email").FillAsync("ada@example.test");
        await page.GetByLabel("Card number").FillAsync(card);
        await page.GetByLabel("Expiry month").FillAsync("12");
        await page.GetByLabel("Expiry year").FillAsync((DateTime.UtcNow.Year + 3).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByLabel("Security code").FillAsync("123");
        await page.GetByRole(AriaRole.Button, new() { NameRegex = PayButton() }).ClickAsync();
    }

    /// <summary>Saves the page at desktop and phone widths (see <see cref="RepositoryPaths.ScreenshotFolder"/>).</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var folder = RepositoryPaths.ScreenshotFolder();
        foreach (var (width, height) in new[] { (1280, 900), (390, 844) })
        {
            await page.SetViewportSizeAsync(width, height);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, $"{name}-{width}.png"), FullPage = true });
        }

        await page.SetViewportSizeAsync(1280, 900);
    }

    [GeneratedRegex("^Pay ")]
    private static partial Regex PayButton();
}
