using System.Net;
using System.Net.Http.Headers;
using CommerceServices.Platform.Hosting;
using CommerceServices.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CommerceServices.Platform.Tests.Operators;

/// <summary>
/// With <c>Platform:OperatorUrl</c> set, the operators' console and the Prometheus scrape endpoint move to that listener,
/// so an operator can keep both off the internet: the portal listener no longer serves them.
/// </summary>
public sealed class OperatorListenerTests : IAsyncLifetime
{
    private PlatformHost _host = null!;
    private Uri _operatorUrl = null!;

    public async Task InitializeAsync()
    {
        _host = await PlatformHost.StartAsync(settings: new Dictionary<string, string?> { ["Platform:OperatorUrl"] = "http://127.0.0.1:0" });
        _operatorUrl = _host.Services.GetRequiredService<PlatformListeners>().UrlOf(PlatformListener.Operator);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task TheConsole_AnswersOnTheOperatorListener_AndNotOnThePortal()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });

        using var onOperator = await client.GetAsync(new Uri(_operatorUrl, "/operator/sign-in"));
        using var onPortal = await client.GetAsync(new Uri(_host.PortalUrl, "/operator/sign-in"));

        Assert.Equal(HttpStatusCode.OK, onOperator.StatusCode);
        Assert.Contains("<form", await onOperator.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, onPortal.StatusCode);
    }

    [Fact]
    public async Task Metrics_AnswerOnTheOperatorListenerWithTheToken_AndNowhereElse()
    {
        using var client = new HttpClient();
        HttpRequestMessage Scrape(Uri listener, string? token)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, new Uri(listener, "/metrics"));
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            return request;
        }

        using var onOperator = await client.SendAsync(Scrape(_operatorUrl, PlatformHost.OperatorToken));
        using var anonymousOnOperator = await client.SendAsync(Scrape(_operatorUrl, null));
        using var onPortal = await client.SendAsync(Scrape(_host.PortalUrl, PlatformHost.OperatorToken));
        using var onGateway = await client.SendAsync(Scrape(_host.SandboxGatewayUrl, PlatformHost.OperatorToken));

        Assert.Equal(HttpStatusCode.OK, onOperator.StatusCode);
        Assert.Contains("commerce_gateway", await onOperator.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousOnOperator.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, onPortal.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, onGateway.StatusCode);
    }
}
