using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CommerceServices.Connector;

public static class ConnectorServiceCollectionExtensions
{
    /// <summary>
    /// Adds the connector: options from the <c>CommerceServices</c> section of <paramref name="configuration"/>, the
    /// settings store, <see cref="CommerceServicesConnector"/>, and the registry's signed HTTP client.
    /// </summary>
    public static IServiceCollection AddCommerceServicesConnector(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<CommerceServicesConnectorOptions>()
            .Bind(configuration.GetSection(CommerceServicesConnectorOptions.Section))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CommerceServicesConnectorOptions>, CommerceServicesConnectorOptionsValidator>());
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ConnectorState>();
        services.TryAddSingleton<CommerceServicesConnector>();
        services.TryAddTransient<GatewaySigningHandler>();
        services.AddHttpClient(RegistryClient.HttpClientName).AddCommerceServicesSigning();
        services.AddHttpClient(CommerceServicesConnector.ManagementHttpClientName);
        return services;
    }

    /// <summary>
    /// Signs this client's requests with the connector's active key pair (<c>x-api-key</c>, <c>x-gw-signature</c>,
    /// <c>x-data-space-id</c>), and retries transient failures (network errors, 5xx, 429 with Retry-After) with
    /// backoff, within a total timeout and a circuit breaker per gateway (<see cref="GatewayResilience"/>). Needs
    /// <see cref="AddCommerceServicesConnector"/>. Returns the same builder.
    /// </summary>
    public static IHttpClientBuilder AddCommerceServicesSigning(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddTransient<GatewaySigningHandler>();
        // Outermost first: every retry goes through signing again (the token is reused unless it is about to expire).
        return builder.AddGatewayResilience().AddHttpMessageHandler<GatewaySigningHandler>();
    }
}
