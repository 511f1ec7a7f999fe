using CommerceServices.Platform.Gateway;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Services.Forwarding;
using CommerceServices.Platform.Services.Lifecycle;
using CommerceServices.Platform.Services.Tokens;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace CommerceServices.Platform.Services;

public static partial class ServicesExtensions
{
    /// <summary>
    /// Services behind the gateway (R27): the registry of services, YARP forwarding to them with routes and clusters made
    /// from it, the gateway's token issuer and its signing keys, and the data space lifecycle across services.
    /// </summary>
    public static IServiceCollection AddServicesBehindTheGateway(this IServiceCollection services)
    {
        services.AddOptions<ServiceGatewayOptions>().BindConfiguration(ServiceGatewayOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ServiceGatewayOptions>, ServiceGatewayOptionsValidator>();
        services.AddSingleton<ServiceChangeFeed>();
        services.AddSingleton<ServiceRegistry>();
        services.AddScoped<ServiceRegistrations>();

        services.AddSingleton<SigningKeyRing>();
        services.AddSingleton<GatewayTokenIssuer>();
        services.AddHostedService<SigningKeyRotation>();

        services.AddSingleton<EntitlementCache>();
        services.AddSingleton<ServiceLimits>();
        services.AddSingleton<ServiceHealth>();
        services.AddSingleton<IProxyConfigProvider, ServiceProxyConfigProvider>();
        services.AddReverseProxy().AddTransforms<ForwardingTransforms>();

        services.AddHttpClient(RemoteServiceLifecycle.HttpClientName);
        services.AddSingleton<DataSpaceLifecycles>();
        services.AddScoped<LifecycleJobs>();
        services.AddHostedService<LifecycleJobWorker>();
        return services;
    }

    /// <summary>
    /// The services' routes behind both gateways, after the gateway's admission (<see cref="GatewayAdmission"/>); the
    /// management API; and the token metadata upstreams read.
    /// </summary>
    public static WebApplication MapServicesBehindTheGateway(this WebApplication app)
    {
        app.MapReverseProxy(proxy =>
            {
                proxy.UseMiddleware<ServiceAdmission>();
                proxy.UseLoadBalancing();
                proxy.UsePassiveHealthChecks();
            })
            .RequireListener(PlatformListener.ProductionGateway, PlatformListener.SandboxGateway)
            .WithMetadata(GatewayEndpointMetadata.Instance)
            // Each route is one service (its id is the route's and the cluster's): the traffic rollups count its calls.
            .ConfigureEndpoints((endpoint, route) => endpoint.WithMetadata(new Traffic.GatewayServiceMetadata(route.ClusterId ?? route.RouteId)));
        app.MapServicesApi();
        app.MapGatewayTokenMetadata();
        return app;
    }

    /// <summary>At start, after the database is migrated: the configured services written, the list read, a signing key made if none.</summary>
    public static async Task InitializeServicesAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using (var scope = services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<ServiceRegistrations>()
                .SyncConfigurationAsync(scope.ServiceProvider.GetRequiredService<IConfiguration>(), cancellationToken);
        }

        await services.GetRequiredService<ServiceRegistry>().ReloadAsync(cancellationToken);
        await services.GetRequiredService<SigningKeyRing>().EnsureKeyAsync(cancellationToken);
        if (services.GetRequiredService<IOptions<ServiceGatewayOptions>>().Value.Issuer is null
            && services.GetRequiredService<IConfiguration>().GetValue<Data.StorageProvider>($"{Data.StorageOptions.Section}:Provider") == Data.StorageProvider.PostgreSql)
        {
            LogIssuerPerNode(services.GetRequiredService<ILoggerFactory>().CreateLogger("CommerceServices.Platform.Services"));
        }
    }

    [LoggerMessage(EventId = 2100, Level = LogLevel.Warning,
        Message = "ServiceGateway:Issuer is not set: tokens for upstream services name this node's portal listener as their issuer. With several nodes, set it to the portal's public URL on every node, or upstreams refuse the other nodes' tokens.")]
    private static partial void LogIssuerPerNode(ILogger logger);
}
