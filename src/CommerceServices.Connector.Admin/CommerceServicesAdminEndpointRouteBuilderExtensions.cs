using CommerceServices.Connector;
using CommerceServices.Connector.Admin;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

// The framework's convention for endpoint mapping (MapRazorPages, MapHealthChecks): the namespace of WebApplication, so
// `app.MapCommerceServicesAdmin(...)` compiles with no using.
namespace Microsoft.AspNetCore.Builder;

public static class CommerceServicesAdminEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the Payment Services page at <c>{prefix}/payments</c> and the Commerce Services Connector page at
    /// <c>{prefix}/connector</c>, behind the options' authorization policy (everyone is refused when none is set), and
    /// their stylesheet at <c>{prefix}/admin.css</c>. The pages set their own security headers
    /// (<see cref="AdminSecurityHeaders"/>) and no other page's. Needs <c>AddCommerceServicesConnector</c> and
    /// <c>AddCommerceServicesAdmin</c>: without them the app stops at start with a sentence naming the missing call.
    /// Returns the group, so the host can add its own conventions.
    /// </summary>
    public static RouteGroupBuilder MapCommerceServicesAdmin(this IEndpointRouteBuilder endpoints, string prefix = "/admin/commerce-services")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        var registered = endpoints.ServiceProvider.GetRequiredService<IServiceProviderIsService>();
        if (!registered.IsService(typeof(AdminMarker)))
        {
            throw new InvalidOperationException(
                "MapCommerceServicesAdmin needs the admin pages' services: call builder.Services.AddCommerceServicesAdmin(o => o.AuthorizationPolicy = \"…\") first.");
        }

        if (!registered.IsService(typeof(CommerceServicesConnector)))
        {
            throw new InvalidOperationException(
                "MapCommerceServicesAdmin needs the connector: call builder.Services.AddCommerceServicesConnector(builder.Configuration) first.");
        }

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
