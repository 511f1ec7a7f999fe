using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Storefront;

namespace CommerceServices.Storefront.BrowserTests;

/// <summary>The shop admin's sign-in and sign-out attacked over real HTTP: open redirects, a replayed cookie, guessing.</summary>
public sealed partial class AdminSignInTests : IAsyncLifetime
{
    private PlatformHost _platform = null!;
    private StorefrontHost _shop = null!;

    public async Task InitializeAsync()
    {
        _platform = await PlatformHost.StartAsync();
        _shop = await StorefrontHost.StartAsync(_platform);
    }

    public async Task DisposeAsync()
    {
        await _shop.DisposeAsync();
        await _platform.DisposeAsync();
    }

    [Theory]
    [InlineData("%2F%09%2Fexample.com")] // a tab the browser drops: //example.com
    [InlineData("%2F%09%5Cexample.com")]
    [InlineData("%2F%0A%2Fexample.com")] // line breaks, which cannot go into a Location header at all
    [InlineData("%2F%0D%2Fexample.com")]
    [InlineData("%2F%2Fexample.com")]
    [InlineData("%2F%5Cexample.com")]
    [InlineData("https%3A%2F%2Fexample.com")]
    [InlineData("%2F%252F%252Fexample.com")] // encoded twice: stays a path of this shop
    public async Task AReturnUrlOffTheShop_IsNeverFollowedAfterSignIn_AndNeverAnswers500(string encodedReturnUrl)
    {
        // What the page carries on, and (as an attacker could post it) the raw value itself; a fresh browser each time.
        foreach (var carried in new[] { true, false })
        {
            using var browser = NewBrowser();
            using var page = await browser.GetAsync($"/admin/sign-in?ReturnUrl={encodedReturnUrl}");
            var html = await page.Content.ReadAsStringAsync();
            var returnUrl = carried ? HiddenReturnUrl(html) : Uri.UnescapeDataString(encodedReturnUrl);
            using var signedIn = await browser.PostAsync("/admin/sign-in", Form(html, StorefrontHost.AdminUser, StorefrontHost.AdminPassword, returnUrl));

            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
            var location = signedIn.Headers.NonValidated["Location"].ToString();
            Assert.True(RedirectHttpResult.IsLocalUrl(location), $"sign-in sent the browser to {location}");
        }
    }

    [Fact]
    public async Task SigningOut_EndsTheSessionOnTheServer_SoACopyOfTheOldCookieOpensNothing()
    {
        using var browser = NewBrowser(out var cookies);
        var html = await (await browser.GetAsync("/admin/sign-in")).Content.ReadAsStringAsync();
        using var signedIn = await browser.PostAsync("/admin/sign-in", Form(html, StorefrontHost.AdminUser, StorefrontHost.AdminPassword, null));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var session = cookies.GetCookies(_shop.Url)["storefront-admin"]!.Value;
        using var before = await browser.GetAsync(Pages.Admin + "/connector");
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        var connectorPage = await before.Content.ReadAsStringAsync();
        using var signedOut = await browser.PostAsync("/admin/sign-out", new FormUrlEncodedContent(
            new Dictionary<string, string> { ["__RequestVerificationToken"] = Token(connectorPage) }));
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);

        using var replay = NewBrowser(out var replayCookies);
        replayCookies.Add(_shop.Url, new System.Net.Cookie("storefront-admin", session));
        using var page = await replay.GetAsync(Pages.Admin + "/connector");
        using var save = await replay.PostAsync(Pages.Admin + "/connector", new FormUrlEncodedContent(new Dictionary<string, string> { ["environment"] = "sandbox" }));

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/admin/sign-in", new Uri(_shop.Url, page.Headers.Location!).AbsolutePath);
        Assert.Equal(HttpStatusCode.Redirect, save.StatusCode);
    }

    [Fact]
    public async Task ManyWrongPasswordsFromOneAddress_AreThrottled_AndEvenTheRightOneWaits()
    {
        using var browser = NewBrowser();
        var html = await (await browser.GetAsync("/admin/sign-in")).Content.ReadAsStringAsync();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 15; i++)
        {
            using var wrong = await browser.PostAsync("/admin/sign-in", Form(html, StorefrontHost.AdminUser, $"guess {i}", null));
            statuses.Add(wrong.StatusCode);
        }

        using var right = await browser.PostAsync("/admin/sign-in", Form(html, StorefrontHost.AdminUser, StorefrontHost.AdminPassword, null));

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 10), statuses.Take(10));
        Assert.All(statuses.Skip(10), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        Assert.Equal("60", right.Headers.RetryAfter?.ToString());
    }

    [Fact]
    public async Task TheShop_TellsNoServerName_AndItsAnswersCarryTheirSecurityHeaders()
    {
        using var browser = NewBrowser();
        foreach (var path in new[] { "/", "/cart", "/admin/sign-in", "/orders/ord_0000000000000000", "/shop.css" })
        {
            using var response = await browser.GetAsync(path);
            Assert.False(response.Headers.Contains("Server"), $"{path} sends Server: {response.Headers.Server}");
            Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Contains("frame-ancestors 'none'", string.Join(",", response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheSignInPage_NamesTheFileTheGeneratedPasswordIsIn()
    {
        await using var shop = await StorefrontHost.StartAsync(_platform, generatedPassword: true);
        using var http = new HttpClient { BaseAddress = shop.Url };
        var html = await http.GetStringAsync("/admin/sign-in");

        var shown = WebUtility.HtmlDecode(PasswordFile().Match(html).Groups[1].Value);
        Assert.True(File.Exists(shown), $"the sign-in page says the password is in '{shown}'");
        Assert.Equal(Path.Combine(shop.DataDirectory, "data", "admin-password"), shown); // outside the working folder: in full
        // From a clone, where `dotnet run --project samples/Storefront` is typed:
        Assert.Equal("samples/Storefront/data/admin-password",
            AdminCredentials.PathAsTyped(Path.Combine("/home/ada/commerce-services", "samples", "Storefront", "data", "admin-password"), "/home/ada/commerce-services"));
    }

    private HttpClient NewBrowser() => NewBrowser(out _);

    private HttpClient NewBrowser(out CookieContainer cookies)
    {
        cookies = new CookieContainer();
        return new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = _shop.Url };
    }

    private static FormUrlEncodedContent Form(string signInPage, string user, string password, string? returnUrl) => new(new Dictionary<string, string>
    {
        ["__RequestVerificationToken"] = Token(signInPage), ["user"] = user, ["password"] = password, ["returnUrl"] = returnUrl ?? "",
    });

    private static string Token(string html) => WebUtility.HtmlDecode(TokenField().Match(html).Groups[1].Value);

    private static string HiddenReturnUrl(string html) => WebUtility.HtmlDecode(ReturnUrlField().Match(html).Groups[1].Value);

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();

    [GeneratedRegex("name=\"returnUrl\" value=\"([^\"]*)\"")]
    private static partial Regex ReturnUrlField();

    [GeneratedRegex("data-testid=\"password-file\">([^<]+)<")]
    private static partial Regex PasswordFile();
}
