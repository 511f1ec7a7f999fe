using CommerceServices.Connector;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

// The framework's convention (AddHttpClient, AddAuthentication): registration methods live in the namespace of
// IServiceCollection, so `builder.Services.AddCommerceServicesConnector(...)` compiles in any app without a using.
namespace Microsoft.Extensions.DependencyInjection;

public static class CommerceServicesConnectorServiceCollectionExtensions
{
    /// <summary>
    /// Adds the connector: options from the <c>CommerceServices</c> section of <paramref name="configuration"/>, the
    /// settings store, <see cref="CommerceServicesConnector"/>, and the registry's signed HTTP client. Calling it again
    /// with the same configuration does nothing more; another configuration is bound over the first, as
    /// <c>Configure</c> would. Returns the same collection.
    /// </summary>
    public static IServiceCollection AddCommerceServicesConnector(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var registration = ConnectorRegistration.Find(services);
        if (registration is null)
        {
            registration = new ConnectorRegistration();
            services.AddSingleton(registration);
            services.AddOptions<CommerceServicesConnectorOptions>().ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CommerceServicesConnectorOptions>, CommerceServicesConnectorOptionsValidator>());
            services.AddLogging();
            services.TryAddSingleton(TimeProvider.System);
            services.TryAddSingleton<ConnectorState>();
            services.TryAddSingleton<CommerceServicesConnector>();
            services.AddHttpClient(RegistryClient.HttpClientName).AddCommerceServicesSigning();
            services.AddHttpClient(CommerceServicesConnector.ManagementHttpClientName);
        }

        if (!registration.BoundConfigurations.Contains(configuration))
        {
            registration.BoundConfigurations.Add(configuration);
            services.AddOptions<CommerceServicesConnectorOptions>().Bind(configuration.GetSection(CommerceServicesConnectorOptions.Section));
        }

        return services;
    }
}
