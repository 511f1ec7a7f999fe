using CommerceServices.Connector.Payments;
using Microsoft.Extensions.DependencyInjection;

// In the connector's root namespace, beside AddCommerceServicesConnector, so one using finds both.
namespace CommerceServices.Connector;

public static class PaymentsServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="PaymentsClient"/>: Payment Services through the connector's active gateway and data space, signed,
    /// retried on transient failures with one idempotency key per operation. Needs
    /// <see cref="ConnectorServiceCollectionExtensions.AddCommerceServicesConnector"/>.
    /// </summary>
    public static IServiceCollection AddCommerceServicesPayments(this IServiceCollection services)
    {
        services.AddHttpClient<PaymentsClient>().AddCommerceServicesSigning();
        return services;
    }
}
