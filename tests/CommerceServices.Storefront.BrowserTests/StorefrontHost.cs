using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Storefront;

namespace CommerceServices.Storefront.BrowserTests;

/// <summary>
/// The real storefront, built exactly as its Program builds it, on a real loopback socket (port 0), with its data folder
/// in a temp directory and the gateways of the given platform.
/// </summary>
public sealed class StorefrontHost : IAsyncDisposable
{
    public const string AdminUser = "admin";
    public const string AdminPassword = "correct horse battery staple";

    private readonly WebApplication _app;

    private StorefrontHost(WebApplication app, string dataDirectory)
    {
        _app = app;
        DataDirectory = dataDirectory;
        Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public Uri Url { get; }

    public string DataDirectory { get; }

    /// <summary>The storefront's services (its connector, for a test that configures it without the admin pages).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Starts a shop; with <paramref name="generatedPassword"/> the admin password is generated at start, as on a first
    /// <c>dotnet run</c>; <paramref name="configure"/> may add to its builder after the test's settings.
    /// </summary>
    public static async Task<StorefrontHost> StartAsync(PlatformHost platform, bool generatedPassword = false, Action<WebApplicationBuilder>? configure = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("cs-storefront-").FullName;
        var app = StorefrontApplication.Build(["--urls", "http://127.0.0.1:0", "--contentRoot", dataDirectory], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storefront:DataDirectory"] = Path.Combine(dataDirectory, "data"),
                ["Storefront:AdminUser"] = AdminUser,
                ["Storefront:AdminPassword"] = generatedPassword ? null : AdminPassword,
                ["Storefront:PortalUrl"] = platform.PortalUrl.AbsoluteUri,
                ["CommerceServices:SandboxGatewayUrl"] = platform.SandboxGatewayUrl.AbsoluteUri,
                ["CommerceServices:ProductionGatewayUrl"] = platform.ProductionGatewayUrl.AbsoluteUri,
                // A stopped platform must show as unreachable quickly, not after the production retry budget.
                ["CommerceServices:MaxRetries"] = "1",
                ["CommerceServices:RetryDelay"] = "00:00:00.100",
                ["CommerceServices:AttemptTimeout"] = "00:00:05",
            });
            builder.Logging.ClearProviders();
            configure?.Invoke(builder);
        });
        await app.StartAsync();
        return new StorefrontHost(app, dataDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS's temp cleaning.
        }
    }
}
