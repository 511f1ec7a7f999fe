using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using CommerceServices.Platform.Gateway.Authentication;
using CommerceServices.Platform.Services;
using CommerceServices.Platform.Services.Tokens;
using CommerceServices.Protocol.Services;
using CommerceServices.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommerceServices.Service.Tests;

/// <summary>
/// <c>AddCommerceServicesGateway()</c> on a real Kestrel app: the stock JwtBearer handler checks a real platform's tokens
/// against its published keys, the caller comes typed, and the two policies keep merchants' calls and the platform's
/// lifecycle calls apart.
/// </summary>
public sealed class CommerceServicesGatewayTests : IAsyncLifetime
{
    private PlatformHost _platform = null!;
    private WebApplication _service = null!;
    private Uri _url = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync()
    {
        _platform = await PlatformHost.StartAsync();
        _service = await StartServiceAsync(o =>
        {
            o.Authority = _platform.PortalUrl;
            o.ServiceId = "mine";
        });
        _url = new Uri(_service.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _service.DisposeAsync();
        await _platform.DisposeAsync();
    }

    [Fact]
    public async Task AMerchantsCallToken_IsAccepted_AndTheCallerComesTyped()
    {
        using var response = await SendAsync("/call", CallToken("mine"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var caller = (await response.Content.ReadFromJsonAsync<CommerceServicesCaller>())!;
        Assert.Equal(new CommerceServicesCaller("acc_test", Protocol.GatewayEnvironment.Sandbox, "ds_test", "testing", "key_test", "req_test", false), caller);
    }

    [Fact]
    public async Task TheLifecyclePolicy_TakesThePlatformsLifecycleToken_AndRefusesAMerchantsCall_AndTheReverse()
    {
        var lifecycle = Issuer.IssueForLifecycle("mine", "acc_test", "ds_test", "req_1");

        using var lifecycleOnLifecycle = await SendAsync("/lifecycle", lifecycle);
        using var callOnLifecycle = await SendAsync("/lifecycle", CallToken("mine"));
        using var lifecycleOnCall = await SendAsync("/call", lifecycle);

        Assert.Equal(HttpStatusCode.OK, lifecycleOnLifecycle.StatusCode);
        Assert.True((await lifecycleOnLifecycle.Content.ReadFromJsonAsync<CommerceServicesCaller>())!.IsLifecycleCall);
        Assert.Equal(HttpStatusCode.Forbidden, callOnLifecycle.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, lifecycleOnCall.StatusCode);
    }

    [Fact]
    public async Task AToken_ForAnotherService_OrNoneOrForged_IsRefused401()
    {
        using var other = await SendAsync("/call", CallToken("someone-else"));
        using var none = await SendAsync("/call", null);
        var valid = CallToken("mine");
        using var forged = await SendAsync("/call", valid[..^4] + (valid[^4..] == "AAAA" ? "BBBB" : "AAAA"));

        Assert.Equal(HttpStatusCode.Unauthorized, other.StatusCode);
        Assert.Contains("audience", other.Headers.WwwAuthenticate.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }

    [Fact]
    public async Task WrongOptions_StopTheStart_WithASentencePerMistake()
    {
        var failed = await Assert.ThrowsAsync<OptionsValidationException>(() => StartServiceAsync(o => o.Authority = new Uri("http://accounts.example.com")));

        Assert.Contains(failed.Failures, f => f.Contains("Authority must be https (http only on loopback)", StringComparison.Ordinal));
        Assert.True(failed.Failures.Any(f => f.Contains("ServiceId must be", StringComparison.Ordinal)), string.Join(" / ", failed.Failures));
        Assert.Contains(failed.Failures, f => f.Contains("ServiceId must be this service's id", StringComparison.Ordinal));
    }

    private GatewayTokenIssuer Issuer => _platform.Services.GetRequiredService<GatewayTokenIssuer>();

    /// <summary>The token the gateway makes for a merchant's call (the gateway's own issuer, as it forwards).</summary>
    private string CallToken(string serviceId)
    {
        var caller = new ClaimsPrincipal(new ClaimsIdentity(
        [
            new Claim(GatewayClaims.AccountId, "acc_test"), new Claim(GatewayClaims.Environment, "sandbox"), new Claim(GatewayClaims.KeyPairId, "key_test"),
            new Claim(GatewayClaims.DataSpaceId, "ds_test"), new Claim(GatewayClaims.DataSpaceType, "testing"),
        ], "test"));
        return Issuer.IssueForCall(ServiceDefinition.Payments with { Id = serviceId }, caller, "req_test");
    }

    private async Task<HttpResponseMessage> SendAsync(string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_url, path));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await _http.SendAsync(request);
    }

    private static async Task<WebApplication> StartServiceAsync(Action<CommerceServicesGatewayOptions> configure)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddCommerceServicesGateway(configure);
        var app = builder.Build();
        app.MapGet("/call", (CommerceServicesCaller caller) => TypedResults.Ok(caller)).RequireAuthorization();
        app.MapGet("/lifecycle", (CommerceServicesCaller caller) => TypedResults.Ok(caller)).RequireAuthorization(CommerceServicesGatewayDefaults.LifecyclePolicy);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }
}
