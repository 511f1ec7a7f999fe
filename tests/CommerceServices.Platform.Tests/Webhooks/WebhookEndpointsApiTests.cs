using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CommerceServices.Platform.Tests.Gateway;
using CommerceServices.Platform.Webhooks;
using CommerceServices.Protocol;
using CommerceServices.Testing;
using static CommerceServices.Platform.Tests.Webhooks.WebhooksTestKit;

namespace CommerceServices.Platform.Tests.Webhooks;

/// <summary>The endpoints API: the secret shown once, refusals with their codes (server-side request forgery among them), account scoping.</summary>
public sealed class WebhookEndpointsApiTests(SqlitePlatform platform) : IClassFixture<SqlitePlatform>
{
    private PlatformHost Host => platform.Host;

    [Fact]
    public async Task AnEndpoint_IsMadeWithAWhsecSecretShownOnce_AndListedWithoutIt()
    {
        var account = await GatewayFixture.CreateAccountAsync(Host);
        var (id, secret) = await CreateEndpointAsync(Host.Management, account, new Uri("http://127.0.0.1:9/hooks"), "sandbox", "payment.*", "key.created");

        Assert.Matches("^whsec_[A-Za-z0-9+/]{43}=$", secret);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);
        var listed = await Host.Management.GetStringAsync($"/api/v1/accounts/{account}/webhooks");
        var one = await Host.Management.GetStringAsync($"/api/v1/accounts/{account}/webhooks/{id}");
        Assert.DoesNotContain(secret["whsec_".Length..], listed + one);
        var endpoint = await GetAsync(Host.Management, $"/api/v1/accounts/{account}/webhooks/{id}");
        Assert.Equal(["payment.*", "key.created"], endpoint["events"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal(("enabled", "sandbox", "test receiver"), (endpoint.Text("status"), endpoint.Text("environment"), endpoint.Text("description")));

        var updated = await Host.Management.PutAsJsonAsync($"/api/v1/accounts/{account}/webhooks/{id}", new { events = new[] { "*" }, enabled = false });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var body = await updated.ReadNodeAsync();
        Assert.Equal(("disabled", "manual"), (body.Text("status"), body.Text("disabledReason")));
        Assert.Equal("http://127.0.0.1:9/hooks", body.Text("url"));

        Assert.Equal(HttpStatusCode.NoContent, (await Host.Management.DeleteAsync($"/api/v1/accounts/{account}/webhooks/{id}")).StatusCode);
        Assert.Equal(ProblemCodes.WebhookEndpointNotFound,
            await (await Host.Management.GetAsync($"/api/v1/accounts/{account}/webhooks/{id}")).ProblemCodeAsync());
    }

    public static TheoryData<string, string, string[], string> Refusals => new()
    {
        { "ftp://example.com/hook", "sandbox", ["*"], ProblemCodes.InvalidWebhookUrl },
        { "not a url", "sandbox", ["*"], ProblemCodes.InvalidWebhookUrl },
        { "https://user:pass@127.0.0.1/hook", "sandbox", ["*"], ProblemCodes.InvalidWebhookUrl },
        { "http://127.0.0.1/hook", "staging", ["*"], ProblemCodes.InvalidEnvironment },
        { "http://127.0.0.1/hook", "sandbox", [], ProblemCodes.InvalidWebhookEvents },
        { "http://127.0.0.1/hook", "sandbox", ["payment.capturd"], ProblemCodes.InvalidWebhookEvents },
        { "http://127.0.0.1/hook", "sandbox", ["webhook.test"], ProblemCodes.InvalidWebhookEvents },
        { "http://127.0.0.1/hook", "sandbox", ["order.*"], ProblemCodes.InvalidWebhookEvents },
        // Server-side request forgery: production needs https and a public address; link-local is refused everywhere.
        { "http://203.0.113.10/hook", "production", ["*"], ProblemCodes.WebhookUrlNotAllowed },
        { "https://127.0.0.1/hook", "production", ["*"], ProblemCodes.WebhookUrlNotAllowed },
        { "https://localhost/hook", "production", ["*"], ProblemCodes.WebhookUrlNotAllowed },
        { "https://10.1.2.3/hook", "production", ["*"], ProblemCodes.WebhookUrlNotAllowed },
        { "https://192.168.0.10/hook", "production", ["*"], ProblemCodes.WebhookUrlNotAllowed },
        { "https://172.20.0.1/hook", "production", ["*"], ProblemCodes.WebhookUrlNotAllowed },
        { "https://[::1]/hook", "production", ["*"], ProblemCodes.WebhookUrlNotAllowed },
        { "https://[::ffff:127.0.0.1]/hook", "production", ["*"], ProblemCodes.WebhookUrlNotAllowed },
        { "https://[fd00::1]/hook", "production", ["*"], ProblemCodes.WebhookUrlNotAllowed },
        { "https://0.0.0.0/hook", "production", ["*"], ProblemCodes.WebhookUrlNotAllowed },
        { "http://169.254.169.254/latest/meta-data", "sandbox", ["*"], ProblemCodes.WebhookUrlNotAllowed },
        { "https://169.254.169.254/latest/meta-data", "production", ["*"], ProblemCodes.WebhookUrlNotAllowed },
        { "http://[fe80::1]/hook", "sandbox", ["*"], ProblemCodes.WebhookUrlNotAllowed },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task ABadEndpoint_IsRefusedWithItsCode_AndNothingIsMade(string url, string environment, string[] events, string code)
    {
        var account = await GatewayFixture.CreateAccountAsync(Host);
        var response = await Host.Management.PostAsJsonAsync($"/api/v1/accounts/{account}/webhooks", new { url, environment, events });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, await response.ProblemCodeAsync());
        Assert.Equal("[]", await Host.Management.GetStringAsync($"/api/v1/accounts/{account}/webhooks"));
    }

    [Fact]
    public async Task AnUpdate_ToAPrivateProductionUrl_IsRefused_AndTheEndpointKeepsItsUrl()
    {
        var account = await GatewayFixture.CreateAccountAsync(Host);
        var (id, _) = await CreateEndpointAsync(Host.Management, account, new Uri("http://127.0.0.1:9/hooks"));

        var refused = await Host.Management.PutAsJsonAsync($"/api/v1/accounts/{account}/webhooks/{id}", new { url = "http://169.254.169.254/" });
        Assert.Equal(ProblemCodes.WebhookUrlNotAllowed, await refused.ProblemCodeAsync());
        Assert.Equal("http://127.0.0.1:9/hooks", (await GetAsync(Host.Management, $"/api/v1/accounts/{account}/webhooks/{id}")).Text("url"));
    }

    [Fact]
    public async Task OutOfRangeOverlaps_AndReplayRanges_AreRefused()
    {
        var account = await GatewayFixture.CreateAccountAsync(Host);
        var (id, _) = await CreateEndpointAsync(Host.Management, account, new Uri("http://127.0.0.1:9/hooks"));
        var path = $"/api/v1/accounts/{account}/webhooks/{id}";

        foreach (var overlap in new object[] { new { overlapSeconds = 604801 }, new { overlapSeconds = -1 }, new { } })
        {
            Assert.Equal(ProblemCodes.InvalidOverlap, await (await Host.Management.PostAsJsonAsync($"{path}/roll-secret", overlap)).ProblemCodeAsync());
        }

        var now = DateTimeOffset.UtcNow;
        Assert.Equal(ProblemCodes.InvalidReplayRange, await (await Host.Management.PostAsJsonAsync($"{path}/replay", new { since = now, until = now.AddHours(-1) })).ProblemCodeAsync());
        Assert.Equal(ProblemCodes.InvalidReplayRange, await (await Host.Management.PostAsJsonAsync($"{path}/replay", new { since = now })).ProblemCodeAsync());
        Assert.Equal(ProblemCodes.WebhookDeliveryNotFound, await (await Host.Management.PostAsync($"{path}/deliveries/whd_nope/replay", null)).ProblemCodeAsync());
        var malformed = await Host.Management.PostAsync($"{path}/replay", new StringContent("{\"since\": \"yesterday\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    [Fact]
    public async Task AnotherAccountsEndpoint_AnswersAsOneThatDoesNotExist_EvenToItsOwnAccountToken()
    {
        var owner = await GatewayFixture.CreateAccountAsync(Host);
        var other = await GatewayFixture.CreateAccountAsync(Host);
        var (id, _) = await CreateEndpointAsync(Host.Management, owner, new Uri("http://127.0.0.1:9/hooks"));
        var token = (await PostAsync(Host.Management, $"/api/v1/accounts/{other}/tokens", new { name = "cli" })).Text("secret");
        using var asOther = new HttpClient { BaseAddress = Host.PortalUrl };
        asOther.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        Assert.Equal(ProblemCodes.WebhookEndpointNotFound, await (await asOther.GetAsync($"/api/v1/accounts/{other}/webhooks/{id}")).ProblemCodeAsync());
        Assert.Equal(ProblemCodes.WebhookEndpointNotFound, await (await asOther.DeleteAsync($"/api/v1/accounts/{other}/webhooks/{id}")).ProblemCodeAsync());
        Assert.Equal(ProblemCodes.AccountNotFound, await (await asOther.GetAsync($"/api/v1/accounts/{owner}/webhooks")).ProblemCodeAsync());
        // Its own account's endpoints it manages fully.
        var (mine, _) = await CreateEndpointAsync(asOther, other, new Uri("http://127.0.0.1:9/other"));
        Assert.Equal(HttpStatusCode.NoContent, (await asOther.DeleteAsync($"/api/v1/accounts/{other}/webhooks/{mine}")).StatusCode);
    }
}

/// <summary>The address rules on their own, with addresses that no test ever sends to.</summary>
public sealed class WebhookTargetsTests
{
    [Theory]
    [InlineData("8.8.8.8", "Public")]
    [InlineData("2606:4700::1111", "Public")]
    [InlineData("127.0.0.1", "LoopbackOrPrivate")]
    [InlineData("127.8.9.10", "LoopbackOrPrivate")]
    [InlineData("10.0.0.1", "LoopbackOrPrivate")]
    [InlineData("172.16.0.1", "LoopbackOrPrivate")]
    [InlineData("172.31.255.255", "LoopbackOrPrivate")]
    [InlineData("172.32.0.1", "Public")]
    [InlineData("192.168.1.1", "LoopbackOrPrivate")]
    [InlineData("100.64.0.1", "LoopbackOrPrivate")]
    [InlineData("::1", "LoopbackOrPrivate")]
    [InlineData("fd12:3456::1", "LoopbackOrPrivate")]
    [InlineData("::ffff:10.0.0.1", "LoopbackOrPrivate")]
    [InlineData("169.254.169.254", "LinkLocal")]
    [InlineData("fe80::1", "LinkLocal")]
    [InlineData("0.0.0.0", "Reserved")]
    [InlineData("224.0.0.1", "Reserved")]
    [InlineData("255.255.255.255", "Reserved")]
    [InlineData("64:ff9b::a00:1", "Reserved")]
    [InlineData("2002:a00:1::", "Reserved")]
    public void EveryAddress_HasItsKind(string address, string kind) =>
        Assert.Equal(kind, WebhookTargets.Classify(System.Net.IPAddress.Parse(address)).ToString());

    [Fact]
    public void ProductionReachesPublicAddressesOnly_SandboxAlsoPrivateOnes_AndTheOperatorMayAllowAll()
    {
        var strict = new WebhookTargets(Microsoft.Extensions.Options.Options.Create(new WebhooksOptions()));
        var closed = new WebhookTargets(Microsoft.Extensions.Options.Options.Create(new WebhooksOptions { SandboxPrivateTargets = false }));
        var open = new WebhookTargets(Microsoft.Extensions.Options.Options.Create(new WebhooksOptions { AllowPrivateTargets = true }));
        var loopback = System.Net.IPAddress.Loopback;
        var metadata = System.Net.IPAddress.Parse("169.254.169.254");

        Assert.False(strict.IsAllowed(loopback, "production"));
        Assert.True(strict.IsAllowed(loopback, "sandbox"));
        Assert.False(strict.IsAllowed(metadata, "sandbox"));
        Assert.False(closed.IsAllowed(loopback, "sandbox"));
        Assert.True(open.IsAllowed(loopback, "production"));
        Assert.True(open.IsAllowed(metadata, "production"));
        Assert.True(strict.IsAllowed(System.Net.IPAddress.Parse("8.8.8.8"), "production"));
        Assert.Null(strict.CheckUrl("https://shop.example.com/hooks", "production", out _));
        Assert.Equal(ProblemCodes.WebhookUrlNotAllowed, strict.CheckUrl("http://shop.example.com/hooks", "production", out _)?.Code);
    }
}
