using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CommerceServices.Protocol;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Portal;

/// <summary>
/// <c>/docs</c>: Scalar's page over the management and the gateway OpenAPI documents, on the portal listener only, with
/// its script served by the platform itself; the gateway's document describes the signing.
/// </summary>
public sealed partial class ApiReferenceTests : IAsyncLifetime
{
    private PlatformHost _host = null!;

    public async Task InitializeAsync() => _host = await PlatformHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task ThePage_AndEveryScriptItLoads_AreServedByThePortal_NothingFromAnotherSite()
    {
        using var anonymous = new HttpClient { BaseAddress = _host.PortalUrl };
        using var page = await anonymous.GetAsync("/docs");
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var assets = Asset().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(assets);
        foreach (var asset in assets)
        {
            Assert.False(Uri.TryCreate(asset, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https"
                         && absolute.Authority != _host.PortalUrl.Authority, $"{asset} is loaded from another site");
            Assert.False(asset.StartsWith("//", StringComparison.Ordinal), $"{asset} is loaded from another site");
            using var loaded = await anonymous.GetAsync(new Uri(new Uri(_host.PortalUrl, "/docs/"), asset));
            Assert.True(loaded.StatusCode == HttpStatusCode.OK, $"{asset}: {(int)loaded.StatusCode}");
            Assert.True((await loaded.Content.ReadAsByteArrayAsync()).Length > 1000, $"{asset} is nearly empty");
        }

        Assert.Contains("\"url\":\"openapi/v1.json\"", html, StringComparison.Ordinal);
        Assert.Contains("\"url\":\"openapi/gateway.json\"", html, StringComparison.Ordinal);
        Assert.Contains("\"telemetry\":false", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheGatewayDocument_DescribesTheSigning_AndListsTheGatewaysCalls()
    {
        using var anonymous = new HttpClient { BaseAddress = _host.PortalUrl };
        var document = (await anonymous.GetFromJsonAsync<JsonObject>("/openapi/gateway.json"))!;

        var description = document["info"]!["description"]!.GetValue<string>();
        Assert.Contains("RS256", description, StringComparison.Ordinal);
        Assert.Contains(GatewayHeaders.Signature, description, StringComparison.Ordinal);
        Assert.Contains("exp", description, StringComparison.Ordinal);
        var schemes = document["components"]!["securitySchemes"]!.AsObject();
        Assert.Equal(GatewayHeaders.ApiKey, schemes["ApiKey"]!["name"]!.GetValue<string>());
        Assert.Equal(GatewayHeaders.Signature, schemes["Signature"]!["name"]!.GetValue<string>());
        var servers = document["servers"]!.AsArray().Select(s => s!["url"]!.GetValue<string>()).ToList();
        Assert.Contains(_host.ProductionGatewayUrl.ToString(), servers);
        Assert.Contains(_host.SandboxGatewayUrl.ToString(), servers);

        var paths = document["paths"]!.AsObject();
        Assert.NotNull(paths["/merchant-registry/v1/ping"]);
        Assert.NotNull(paths["/payments/v1/payments"]);
        Assert.Null(paths["/api/v1/accounts"]); // the management API is the other document
        Assert.Equal(2, paths["/merchant-registry/v1/ping"]!["get"]!["security"]!.AsArray()[0]!.AsObject().Count);
        Assert.Null(paths["/merchant-registry/v1/gateway"]!["get"]!["security"]); // anonymous
    }

    [Fact]
    public async Task OnAGatewayListener_ThereIsNoReferencePage()
    {
        using var response = await new HttpClient().GetAsync(new Uri(_host.SandboxGatewayUrl, "/docs"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [GeneratedRegex("<script[^>]*\\bsrc=\"([^\"]+)\"|<link[^>]*\\bhref=\"([^\"]+)\"")]
    private static partial Regex Asset();
}
