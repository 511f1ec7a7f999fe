using CommerceServices.Connector.Admin;
using Microsoft.Extensions.DependencyInjection.Extensions;

// The framework's convention: registration in the namespace of IServiceCollection, so the line compiles with no using.
namespace Microsoft.Extensions.DependencyInjection;

public static class CommerceServicesAdminServiceCollectionExtensions
{
    /// <summary>
    /// Adds what the admin pages need: their options, Razor component rendering, antiforgery and the payments client
    /// (<c>AddCommerceServicesPayments</c>). The connector itself is added with <c>AddCommerceServicesConnector</c>.
    /// Calling it again registers nothing more; <paramref name="configure"/> runs each time it is given, as the
    /// framework's <c>AddAuthentication(configure)</c> does. Returns the same collection.
    /// </summary>
    public static IServiceCollection AddCommerceServicesAdmin(this IServiceCollection services, Action<CommerceServicesAdminOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.Any(d => d.ServiceType == typeof(AdminMarker)))
        {
            services.AddSingleton<AdminMarker>();
            services.AddOptions<CommerceServicesAdminOptions>()
                .Validate(o => o.PortalUrl.IsAbsoluteUri, "CommerceServicesAdminOptions.PortalUrl must be an absolute URL.")
                .Validate(o => o.RecentPayments is > 0 and <= 100, "CommerceServicesAdminOptions.RecentPayments must be between 1 and 100.")
                .ValidateOnStart();
            services.AddRazorComponents();
            services.AddAntiforgery();
            services.AddCommerceServicesPayments();
            services.TryAddScoped<AdminPayments>();
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return services;
    }
}
