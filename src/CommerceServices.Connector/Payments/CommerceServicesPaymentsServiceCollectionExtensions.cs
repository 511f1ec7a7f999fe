using CommerceServices.Connector;
using CommerceServices.Connector.Payments;

namespace Microsoft.Extensions.DependencyInjection;

public static class CommerceServicesPaymentsServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="PaymentsClient"/>: Payment Services through the connector's active gateway and data space, signed,
    /// retried on transient failures with one idempotency key per operation. Needs
    /// <see cref="CommerceServicesConnectorServiceCollectionExtensions.AddCommerceServicesConnector"/>.
    /// <c>AddCommerceServicesAdmin</c> calls it too; calling it again does nothing more (one signing handler and one
    /// retry handler, however often it is called). Returns the same collection.
    /// </summary>
    public static IServiceCollection AddCommerceServicesPayments(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!ConnectorRegistration.Once<PaymentsClient>(services))
        {
            return services;
        }

        services.AddHttpClient<PaymentsClient>().AddCommerceServicesSigning();
        return services;
    }
}
