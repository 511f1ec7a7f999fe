using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CommerceServices.Connector.Admin;

public static class CommerceServicesAdminExtensions
{
    /// <summary>
    /// Adds what the admin pages need: their options, Razor component rendering and antiforgery. The connector itself
    /// is added with <c>AddCommerceServicesConnector</c>. Returns the same collection.
    /// </summary>
    public static IServiceCollection AddCommerceServicesAdmin(this IServiceCollection services, Action<CommerceServicesAdminOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<CommerceServicesAdminOptions>()
            .Validate(o => o.PortalUrl.IsAbsoluteUri, "CommerceServicesAdminOptions.PortalUrl must be an absolute URL.")
            .Validate(o => o.RecentPayments is > 0 and <= 100, "CommerceServicesAdminOptions.RecentPayments must be between 1 and 100.")
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddRazorComponents();
        services.AddAntiforgery();
        services.AddCommerceServicesPayments();
        services.AddScoped<AdminPayments>();
        return services;
    }

    /// <summary>
    /// Maps the Payment Services page at <c>{prefix}/payments</c> and the Commerce Services Connector page at
    /// <c>{prefix}/connector</c>, behind the options' authorization policy (everyone is refused when none is set), and
    /// their stylesheet at <c>{prefix}/admin.css</c>. The pages set their own security headers
    /// (<see cref="AdminSecurityHeaders"/>) and no other page's. Returns the group, so the host can add its own conventions.
    /// </summary>
    public static RouteGroupBuilder MapCommerceServicesAdmin(this IEndpointRouteBuilder endpoints, string prefix = "/admin/commerce-services")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<CommerceServicesAdminOptions>>().Value;
        var group = endpoints.MapGroup(prefix.TrimEnd('/'));
        // First, so every answer of these pages carries their headers, the "no policy" refusal included.
        group.AddEndpointFilter((context, next) =>
        {
            AdminSecurityHeaders.Apply(context.HttpContext.Response, context.HttpContext.Request.IsHttps);
            return next(context);
        });
        if (options.AuthorizationPolicy is { } policy)
        {
            group.RequireAuthorization(policy);
        }
        else
        {
            // No policy named: nobody is let in, not even a signed-in user.
            group.AddEndpointFilter((context, _) => ValueTask.FromResult<object?>(AdminEndpoints.NoPolicy(context.HttpContext, prefix.TrimEnd('/'))));
        }

        AdminEndpoints.Map(group, prefix.TrimEnd('/'));
        AdminAssets.Map(endpoints, prefix.TrimEnd('/'));
        return group;
    }
}
