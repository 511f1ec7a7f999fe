using CommerceServices.Connector.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

// The conventional namespaces, so the app's usings find these without one of ours.
namespace Microsoft.Extensions.DependencyInjection
{
    public static class CommerceServicesWebhooksServiceCollectionExtensions
    {
        /// <summary>
        /// Adds what <c>MapCommerceServicesWebhooks</c> needs, with options from the <c>CommerceServices:Webhooks</c> section
        /// of <paramref name="configuration"/> (the endpoint's secrets). Returns the same collection.
        /// </summary>
        public static IServiceCollection AddCommerceServicesWebhooks(this IServiceCollection services, IConfiguration configuration)
        {
            ArgumentNullException.ThrowIfNull(configuration);
            services.AddOptions<CommerceServicesWebhooksOptions>().Bind(configuration.GetSection(CommerceServicesWebhooksOptions.Section)).ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CommerceServicesWebhooksOptions>, CommerceServicesWebhooksOptionsValidator>());
            services.AddLogging();
            services.TryAddSingleton(TimeProvider.System);
            services.TryAddSingleton<WebhookIdMemory>();
            services.TryAddSingleton<WebhookEndpoint>();
            return services;
        }
    }
}

namespace Microsoft.AspNetCore.Builder
{
    public static class CommerceServicesWebhooksEndpointRouteBuilderExtensions
    {
        /// <summary>
        /// Receives the platform's webhooks at <paramref name="pattern"/> (POST): verifies each delivery (StandardWebhooks
        /// signatures against the configured secrets, a timestamp within 5 minutes), acknowledges a <c>webhook-id</c>
        /// handled before without handling it again, and calls <paramref name="handler"/> with the typed event. A handler
        /// that throws gets the event again later. Needs <c>AddCommerceServicesWebhooks</c>. Anonymous by design: the
        /// signature is the authentication. Returns the endpoint's builder.
        /// </summary>
        public static RouteHandlerBuilder MapCommerceServicesWebhooks(this IEndpointRouteBuilder endpoints, string pattern,
            Func<CommerceServicesEvent, IServiceProvider, CancellationToken, Task> handler)
        {
            ArgumentNullException.ThrowIfNull(handler);
            return endpoints.MapPost(pattern, (HttpContext http, WebhookEndpoint endpoint) => endpoint.HandleAsync(http, handler))
                .AllowAnonymous()
                .DisableAntiforgery()
                .ExcludeFromDescription();
        }

        /// <inheritdoc cref="MapCommerceServicesWebhooks(IEndpointRouteBuilder, string, Func{CommerceServicesEvent, IServiceProvider, CancellationToken, Task})"/>
        public static RouteHandlerBuilder MapCommerceServicesWebhooks(this IEndpointRouteBuilder endpoints, string pattern,
            Func<CommerceServicesEvent, CancellationToken, Task> handler)
        {
            ArgumentNullException.ThrowIfNull(handler);
            return endpoints.MapCommerceServicesWebhooks(pattern, (e, _, ct) => handler(e, ct));
        }
    }
}
