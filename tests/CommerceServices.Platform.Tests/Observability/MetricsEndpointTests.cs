using System.Net;
using System.Net.Http.Headers;
using CommerceServices.Protocol;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Observability;

/// <summary>
/// The Prometheus scrape endpoint answers the operator's scraper (bearer operator token) on the portal listener, and
/// nobody else: not without the token, not with a wrong one, never on a gateway listener.
/// </summary>
public sealed class MetricsEndpointTests : IAsyncLifetime
{
    private PlatformHost _host = null!;

    public async Task InitializeAsync() => _host = await PlatformHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task WithTheOperatorToken_ThePortalListenerServesThePlatformsMetrics_InThePrometheusFormat()
    {
        using var ping = new HttpRequestMessage(HttpMethod.Get, new Uri(_host.SandboxGatewayUrl, "/merchant-registry/v1/ping"));
        ping.Headers.Add(GatewayHeaders.ApiKey, "cs_sbx_not-a-key");
        using (var refused = await new HttpClient().SendAsync(ping))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using var response = await _host.Management.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Contains("commerce_gateway_requests_total{", text, StringComparison.Ordinal);
        Assert.Contains("outcome=\"malformed_api_key\"", text, StringComparison.Ordinal);
        Assert.Contains("commerce_gateway_key_cache_size", text, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration_seconds_bucket", text, StringComparison.Ordinal);
        Assert.Contains("dotnet_gc_collections_total", text, StringComparison.Ordinal); // the runtime's own
    }

    [Fact]
    public async Task WithoutTheOperatorToken_OrWithAWrongOne_ThePortalRefuses()
    {
        using var anonymous = new HttpClient { BaseAddress = _host.PortalUrl };
        using var wrong = new HttpClient { BaseAddress = _host.PortalUrl };
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-operator-token");

        using var withoutToken = await anonymous.GetAsync("/metrics");
        using var withWrongToken = await wrong.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, withoutToken.StatusCode);
        Assert.Equal(ProblemCodes.MissingOperatorToken, await withoutToken.ProblemCodeAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, withWrongToken.StatusCode);
        Assert.Equal(ProblemCodes.InvalidOperatorToken, await withWrongToken.ProblemCodeAsync());
        Assert.DoesNotContain("commerce_gateway", await withoutToken.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnTheGatewayListeners_ThereIsNoMetricsEndpoint_EvenWithTheOperatorToken()
    {
        foreach (var gateway in new[] { _host.ProductionGatewayUrl, _host.SandboxGatewayUrl })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, "/metrics"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PlatformHost.OperatorToken);
            using var response = await new HttpClient().SendAsync(request);

            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.DoesNotContain("commerce_gateway", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }
}
