using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CommerceServices.Storefront.BrowserTests;

/// <summary>Who may use the admin pages: nobody signed out, nobody when the host named no policy, no post without antiforgery.</summary>
public sealed class AdminAccessTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    public Task InitializeAsync()
    {
        chromium.Checks.Clear();
        return Task.CompletedTask;
    }

    // Every page this test opened had its security headers and no Content-Security-Policy violation.
    public Task DisposeAsync() => chromium.Checks.AssertCleanAsync();

    [Theory]
    [InlineData("/admin/commerce-services/payments")]
    [InlineData("/admin/commerce-services/connector")]
    public async Task ASignedOutUser_IsSentToSignIn_AndSeesNoAdminPage(string path)
    {
        await using var platform = await PlatformHost.StartAsync();
        await using var shop = await StorefrontHost.StartAsync(platform);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = shop.Url };

        using var get = await http.GetAsync(path);
        using var post = await http.PostAsync("/admin/commerce-services/connector", new FormUrlEncodedContent(new Dictionary<string, string> { ["environment"] = "sandbox" }));

        Assert.Equal(HttpStatusCode.Redirect, get.StatusCode);
        Assert.StartsWith("/admin/sign-in", get.Headers.Location!.PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, post.StatusCode);
        Assert.StartsWith("/admin/sign-in", post.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task APostWithoutTheAntiforgeryToken_IsRefusedAndSavesNothing()
    {
        await using var platform = await PlatformHost.StartAsync();
        await using var shop = await StorefrontHost.StartAsync(platform);
        var merchant = await Merchant.CreateAsync(platform);
        var (apiKey, privateKey) = await merchant.NewKeyAsync("sandbox");
        var page = await chromium.NewPageAsync(shop.Url);
        await Pages.SignInAsync(page);

        // The signed-in browser's cookies, but a form another site could have made: no antiforgery token.
        var response = await page.APIRequest.PostAsync(Pages.Admin + "/connector", new APIRequestContextOptions
        {
            Multipart = page.Context.APIRequest.CreateFormData().Set("environment", "sandbox").Set("sandboxApiKey", apiKey).Set("sandboxPrivateKey", privateKey),
        });

        Assert.Equal(400, response.Status);
        Assert.Contains("antiforgery", await response.TextAsync());
        await page.GotoAsync(Pages.Admin + "/connector");
        Assert.Equal("Not configured", await Pages.StatusAsync(page));
        Assert.Equal(0, await page.GetByTestId("sandbox-private-key-saved").CountAsync());
    }

    [Fact]
    public async Task PagesOfAHostThatNamedNoPolicy_RefuseEveryone()
    {
        var builder = WebApplication.CreateBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        var store = Directory.CreateTempSubdirectory("cs-admin-nopolicy-").FullName;
        builder.Configuration["CommerceServices:StoreDirectory"] = store;
        builder.Services.AddCommerceServicesConnector(builder.Configuration);
        builder.Services.AddCommerceServicesAdmin();
        await using var app = builder.Build();
        app.MapCommerceServicesAdmin("/admin/commerce-services");
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(url) };

        using var payments = await http.GetAsync("/admin/commerce-services/payments");
        using var connector = await http.GetAsync("/admin/commerce-services/connector");

        Assert.Equal(HttpStatusCode.Forbidden, payments.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, connector.StatusCode);
        Assert.Contains("did not name an authorization policy", await connector.Content.ReadAsStringAsync());
        Assert.DoesNotContain("Sandbox API key", await connector.Content.ReadAsStringAsync());
        await app.StopAsync();
        Directory.Delete(store, recursive: true);
    }
}
