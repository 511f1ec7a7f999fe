using System.Net;
using System.Net.Http.Json;
using CommerceServices.Platform.Tests.Gateway;
using CommerceServices.Platform.Tests.Payments;
using CommerceServices.Protocol;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Portal;

/// <summary>
/// The portal says what a data space holds in each service's own words: a declined card is a declined attempt, not a
/// payment, and no count is followed by "item(s)".
/// </summary>
public sealed class PortalHoldingsTests(SqlitePlatform platform) : IClassFixture<SqlitePlatform>
{
    [Fact]
    public async Task TheDataSpacePages_SayOnePaymentAndOneDeclinedAttempt_NotTwoPaymentItems()
    {
        var host = platform.Host;
        var (account, email, password) = await PortalSession.NewUserAsync(host);
        var projects = (await (await host.Management.GetAsync($"/api/v1/accounts/{account}/projects")).ReadNodeAsync()).AsArray();
        using var created = await host.Management.PostAsJsonAsync($"/api/v1/accounts/{account}/data-spaces",
            new { projectId = projects[0]!["id"]!.GetValue<string>(), name = "staging", type = "testing" });
        var dataSpace = (await created.ReadNodeAsync())["id"]!.GetValue<string>();
        var key = await GatewayFixture.CreateKeyAsync(host, account, GatewayEnvironment.Sandbox);
        using var paid = await GatewayFixture.SendSignedAsync(host, key, HttpMethod.Post, "/payments/v1/payments", Merchant.Payment(reference: "o-1"), dataSpace);
        using var declined = await GatewayFixture.SendSignedAsync(host, key, HttpMethod.Post, "/payments/v1/payments",
            Merchant.Payment(card: Cards.DoNotHonour, reference: "o-2"), dataSpace);
        Assert.Equal(HttpStatusCode.Created, paid.StatusCode);
        Assert.Equal("declined", (await declined.ReadNodeAsync())["status"]!.GetValue<string>()); // recorded, as a declined attempt
        using var session = new PortalSession(host);
        await session.SignInAsync(email, password);

        var list = WebUtility.HtmlDecode(await session.PageAsync("/data-spaces"));
        var one = WebUtility.HtmlDecode(await session.PageAsync($"/data-spaces/{dataSpace}"));

        Assert.Contains("1 payment, 1 declined attempt", list);
        Assert.Contains("Holds: 1 payment, 1 declined attempt", one);
        Assert.DoesNotContain("item(s)", list + one);
        Assert.DoesNotContain("2 payments", list + one);
    }
}
