using CommerceServices.Connector;
using Microsoft.Extensions.DependencyInjection.Extensions;

// Beside the framework's own IHttpClientBuilder extensions (AddHttpMessageHandler, AddStandardResilienceHandler).
namespace Microsoft.Extensions.DependencyInjection;

public static class CommerceServicesHttpClientBuilderExtensions
{
    /// <summary>
    /// Signs this client's requests with the connector's active key pair (<c>x-api-key</c>, <c>x-gw-signature</c>,
    /// <c>x-data-space-id</c>), and retries transient failures (network errors, 5xx, 429 with Retry-After) with
    /// backoff, within a total timeout and a circuit breaker per gateway (<see cref="GatewayResilience"/>). Needs <c>AddCommerceServicesConnector</c>. Calling it again on the same client does nothing more: its
    /// requests are signed once and retried by one handler. Returns the same builder.
    /// </summary>
    public static IHttpClientBuilder AddCommerceServicesSigning(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!ConnectorRegistration.Once<GatewaySigningHandler>(builder.Services, builder.Name ?? string.Empty))
        {
            return builder;
        }

        builder.Services.TryAddTransient<GatewaySigningHandler>();
        // Outermost first: every retry goes through signing again (the token is reused unless it is about to expire).
        return builder.AddGatewayResilience().AddHttpMessageHandler<GatewaySigningHandler>();
    }
}
