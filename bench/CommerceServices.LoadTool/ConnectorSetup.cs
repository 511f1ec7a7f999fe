using CommerceServices.Connector;
using CommerceServices.Protocol;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CommerceServices.LoadTool;

/// <summary>
/// The connector built the way an app builds it: <c>AddCommerceServicesConnector</c> with its options, the payments
/// client, and a named <see cref="HttpClient"/> with <c>AddCommerceServicesSigning</c>, all from IHttpClientFactory. It is
/// configured once (keys checked with the gateway, the data space bound) in a throwaway store folder.
/// </summary>
internal sealed class ConnectorSetup : IAsyncDisposable
{
    public const string SignedClientName = "loadtool-signed";

    public const string PlainClientName = "loadtool-plain";

    public const string SigningOnlyClientName = "loadtool-signing-only";

    private ConnectorSetup(ServiceProvider services) => Services = services;

    public ServiceProvider Services { get; }

    /// <summary>A client signed by the connector, as an app's own typed or named client would be.</summary>
    public HttpClient SignedClient => Services.GetRequiredService<IHttpClientFactory>().CreateClient(SignedClientName);

    /// <summary>A client from the same factory without the connector's handlers.</summary>
    public HttpClient PlainClient => Services.GetRequiredService<IHttpClientFactory>().CreateClient(PlainClientName);

    /// <summary>A client from the same factory with the signing handler only (no retry handler).</summary>
    public HttpClient SigningOnlyClient => Services.GetRequiredService<IHttpClientFactory>().CreateClient(SigningOnlyClientName);

    public CommerceServicesConnector Connector => Services.GetRequiredService<CommerceServicesConnector>();

    public static async Task<ConnectorSetup> CreateAsync(Uri sandboxGateway, string apiKey, string privateKeyPem, string? dataSpaceId,
        DirectoryInfo store, CancellationToken ct)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CommerceServices:StoreDirectory"] = store.FullName,
            ["CommerceServices:SandboxGatewayUrl"] = sandboxGateway.ToString(),
            ["CommerceServices:Environment"] = GatewayEnvironments.SandboxName,
        }).Build();
        var services = new ServiceCollection();
        services.AddCommerceServicesConnector(configuration);
        services.AddCommerceServicesPayments();
        services.AddHttpClient(SignedClientName).AddCommerceServicesSigning();
        services.AddHttpClient(PlainClientName);
        services.AddHttpClient(SigningOnlyClientName).AddHttpMessageHandler<GatewaySigningHandler>();
        var setup = new ConnectorSetup(services.BuildServiceProvider());
        var configured = await setup.Connector.ConfigureAsync(new ConnectorChange
        {
            Environment = GatewayEnvironment.Sandbox, ApiKey = apiKey, PrivateKeyPem = privateKeyPem, DataSpaceId = dataSpaceId,
        }, ct: ct);
        if (!configured.Success)
        {
            await setup.DisposeAsync();
            throw new InvalidOperationException($"The connector could not be configured: {configured.Code}: {configured.Message}");
        }

        return setup;
    }

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}
