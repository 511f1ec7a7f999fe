using CommerceServices.Protocol.Services;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Services;

/// <summary>
/// A platform process (SQLite) with a recording upstream registered as service <c>echo</c> (<c>/echo/v1</c>, a data space
/// required, 2 s timeout, 4 calls at once), a merchant entitled to it, and one who is not.
/// </summary>
public sealed class ForwardingFixture : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("cs-forwarding-").FullName;

    public PlatformProcess Platform { get; private set; } = null!;

    public RecordingUpstream Upstream { get; private set; } = null!;

    public ServiceMerchant Merchant { get; private set; } = null!;

    public ServiceMerchant NotEntitled { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Platform = await PlatformProcess.StartAsync(_folder, new Dictionary<string, string?>
        {
            // Per API key: the rate-limit test spends one key's burst; every other test uses keys of its own.
            ["Gateway:RateLimitPerSecond"] = "5",
            ["Gateway:RateLimitBurst"] = "20",
            ["ServiceGateway:HealthCheckInterval"] = "00:00:00.500",
        });
        Upstream = await RecordingUpstream.StartAsync(Platform.PortalUrl, "echo");
        await ServicesTestKit.RegisterAsync(Platform, new ServiceRegistration("echo", "Echo", "/echo/v1", [Upstream.Url.AbsoluteUri],
            DataSpaceModes.Required, TimeoutSeconds: 2, MaxConcurrentRequests: 4));
        Merchant = await ServicesTestKit.MerchantAsync(Platform, "echo");
        NotEntitled = await ServicesTestKit.MerchantAsync(Platform);
    }

    public async Task DisposeAsync()
    {
        await Upstream.DisposeAsync();
        await Platform.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // temp folder
        }
    }
}
