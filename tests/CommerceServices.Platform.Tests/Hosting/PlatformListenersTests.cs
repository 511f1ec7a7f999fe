using System.Net;
using CommerceServices.Protocol;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Hosting;

public sealed class PlatformListenersTests(SqlitePlatform fixture) : IClassFixture<SqlitePlatform>
{
    private PlatformHost Platform => fixture.Host;

    [Fact]
    public async Task Healthz_Answers200OnEveryListener()
    {
        using var client = new HttpClient();

        foreach (var url in new[] { Platform.PortalUrl, Platform.ProductionGatewayUrl, Platform.SandboxGatewayUrl })
        {
            var response = await client.GetAsync(new Uri(url, "/healthz"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task ManagementApi_IsNotReachableThroughAGateway_EvenWithThePortalHostHeader()
    {
        using var client = new HttpClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", PlatformHost.OperatorToken);

        foreach (var gateway in new[] { Platform.ProductionGatewayUrl, Platform.SandboxGatewayUrl })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, "/api/v1/accounts"));
            request.Headers.Host = $"{Platform.PortalUrl.Host}:{Platform.PortalUrl.Port}";

            var response = await client.SendAsync(request);

            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal(ProblemCodes.NotFound, await response.ProblemCodeAsync());
        }
    }

    [Fact]
    public void ListenersOnTheSamePort_AreRefusedAtStart()
    {
        var error = Assert.ThrowsAny<Exception>(() =>
        {
            var app = CommerceServices.Platform.Hosting.PlatformApplication.Build(
                ["--Platform:PortalUrl=http://127.0.0.1:5999", "--Platform:SandboxGatewayUrl=http://127.0.0.1:5999"]);
            app.StartAsync().GetAwaiter().GetResult();
        });

        Assert.Contains("different ports", error.ToString());
    }
}
