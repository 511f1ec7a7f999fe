using System.Net;
using System.Net.Http.Json;
using CommerceServices.Platform.Tests.Gateway;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Services;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Services;

/// <summary>
/// <c>ServiceGateway:TokenReuseSeconds</c>: by default every forwarded call has a token of its own with its request id;
/// with reuse on, a caller's token for a service and data space is sent again, and the request id travels in its header.
/// </summary>
public sealed class TokenReuseTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(30)]
    public async Task ForwardedCalls_GetATokenEach_OrReuseOne_AsConfigured(int reuseSeconds)
    {
        await using var host = await PlatformHost.StartAsync(settings: new Dictionary<string, string?> { ["ServiceGateway:TokenReuseSeconds"] = reuseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await using var upstream = await RecordingUpstream.StartAsync(host.PortalUrl, "reuse");
        (await host.Management.PostAsJsonAsync("/api/v1/services", new ServiceRegistration("reuse", "Reuse", "/reuse/v1", [upstream.Url.AbsoluteUri], DataSpaceModes.None)))
            .EnsureSuccessStatusCode();
        var account = await GatewayFixture.CreateAccountAsync(host);
        (await host.Management.PutAsync($"/api/v1/accounts/{account}/entitlements/reuse", null)).EnsureSuccessStatusCode();
        var key = await GatewayFixture.CreateKeyAsync(host, account, GatewayEnvironment.Sandbox);

        for (var i = 0; i < 3; i++)
        {
            using var response = await GatewayFixture.SendSignedAsync(host, key, HttpMethod.Get, "/reuse/v1/echo");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var seen = upstream.Requests;
        Assert.Equal(3, seen.Count);
        Assert.All(seen, r => Assert.True(r.Authenticated, r.AuthenticationFailure));
        Assert.Equal(3, seen.Select(r => r.Headers[GatewayTokenClaims.RequestIdHeader]).Distinct().Count());
        if (reuseSeconds == 0)
        {
            Assert.Equal(3, seen.Select(r => r.Headers["authorization"]).Distinct().Count());
            Assert.All(seen, r => Assert.Equal(r.Headers[GatewayTokenClaims.RequestIdHeader], r.Claims[GatewayTokenClaims.RequestId]));
        }
        else
        {
            Assert.Single(seen.Select(r => r.Headers["authorization"]).Distinct());
            Assert.All(seen, r => Assert.False(r.Claims.ContainsKey(GatewayTokenClaims.RequestId)));
        }
    }
}
