using System.Net;
using System.Security.Claims;
using System.Threading.RateLimiting;
using CommerceServices.Connector;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Storefront;

/// <summary>Composition of the storefront. <c>Program.cs</c> and the browser tests build it the same way.</summary>
public static class StorefrontApplication
{
    public const string AdminPolicy = "StorefrontAdmin";
    public const string AdminPrefix = "/admin/commerce-services";
    public const string SignInRateLimitPolicy = "admin-sign-in";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.AddStorefront();
        var app = builder.Build();
        app.MapStorefront();
        return app;
    }

    public static WebApplicationBuilder AddStorefront(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults("storefront");
        var services = builder.Services;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        var options = builder.Configuration.GetSection(StorefrontOptions.Section).Get<StorefrontOptions>() ?? new StorefrontOptions();
        var dataDirectory = Path.GetFullPath(options.DataDirectory, builder.Environment.ContentRootPath);
        Directory.CreateDirectory(dataDirectory);
        services.AddOptions<StorefrontOptions>().BindConfiguration(StorefrontOptions.Section)
            .PostConfigure(o => o.DataDirectory = dataDirectory);

        // The connector's settings store lives with the shop's other state unless configured elsewhere.
        if (string.IsNullOrWhiteSpace(builder.Configuration[$"{CommerceServicesConnectorOptions.Section}:StoreDirectory"]))
        {
            builder.Configuration[$"{CommerceServicesConnectorOptions.Section}:StoreDirectory"] = Path.Combine(dataDirectory, "connector");
        }

        // Sign-in cookies and antiforgery tokens survive a restart: their keys live with the shop's state.
        services.AddDataProtection().SetApplicationName("Storefront")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, "keys")));
        // The admin pages add the payments client too (AddCommerceServicesAdmin below); every Add… is idempotent, so
        // asking for it here as well, for the checkout, costs nothing and doubles no handler.
        // The webhook endpoint's secret: samples/Storefront/try-it.sh writes it here when it registers the endpoint, and a
        // change is read without a restart.
        builder.Configuration.AddJsonFile(Path.Combine(dataDirectory, "webhooks.json"), optional: true, reloadOnChange: true);
        services.AddCommerceServicesConnector(builder.Configuration);
        services.AddCommerceServicesPayments();
        services.AddCommerceServicesWebhooks(builder.Configuration);
        services.AddScoped<CheckoutPayments>();
        // The recommendations service behind the gateway, signed with the connector's keys like Payment Services (R8).
        services.AddHttpClient<RecommendationsClient>().AddCommerceServicesSigning();
        services.AddSingleton<OrderEventSender>();
        services.AddHostedService(provider => provider.GetRequiredService<OrderEventSender>());
        services.AddSingleton(new OrderStore(dataDirectory));
        services.AddSingleton<AdminCredentials>();

        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(o =>
        {
            o.LoginPath = "/admin/sign-in";
            o.Cookie.Name = "storefront-admin";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.Events.OnValidatePrincipal = RejectEndedSessionAsync;
        });
        services.AddAntiforgery(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(SignInRateLimitPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                (http.Connection.RemoteIpAddress ?? IPAddress.None).ToString(),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = Math.Max(1, options.SignInAttemptsPerMinute), Window = TimeSpan.FromMinutes(1) }));
            o.OnRejected = async (context, ct) =>
            {
                context.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.HttpContext.Response.Headers.RetryAfter = "60";
                context.HttpContext.Response.ContentType = "text/plain; charset=utf-8";
                await context.HttpContext.Response.WriteAsync("Too many sign-in attempts from this address. Wait a minute, then try again.", ct);
            };
        });
        services.AddShopSecurityHeaders();
        services.AddAuthorizationBuilder().AddPolicy(AdminPolicy, p => p.RequireAuthenticatedUser().RequireRole(AdminCredentials.Role));
        services.AddCommerceServicesAdmin(o =>
        {
            o.AuthorizationPolicy = AdminPolicy;
            o.PortalUrl = options.PortalUrl;
            o.ApplicationName = "Storefront admin";
            o.HomeUrl = "/";
            o.SignOutUrl = "/admin/sign-out";
            // The shop's own menu: the shop header's "Admin" leads to these two pages.
            o.PaymentServicesMenuPath = "Admin › Payment Services";
            o.ConnectorMenuPath = "Admin › Commerce Services Connector";
        });
        return builder;
    }

    public static WebApplication MapStorefront(this WebApplication app)
    {
        app.UseSecurityHeaders();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapShop();
        app.MapAdminSignIn();
        app.MapGet("/admin", () => TypedResults.Redirect($"{AdminPrefix}/payments"));
        app.MapCommerceServicesAdmin(AdminPrefix).WithSecurityHeadersPolicy(ShopSecurityHeaders.AdminLibraryPolicy);
        app.MapCommerceServicesWebhooks("/commerce-services/webhooks", OrderWebhooks.HandleAsync);
        // Said at start so the merchant knows where to sign in (the password itself only on the first start).
        app.Lifetime.ApplicationStarted.Register(() => app.Services.GetRequiredService<AdminCredentials>().Announce());
        _ = app.Services.GetRequiredService<IOptions<StorefrontOptions>>().Value;
        return app;
    }

    // Sign-out replaces the admin's session stamp; a cookie made before it is refused from then on.
    private static async Task RejectEndedSessionAsync(CookieValidatePrincipalContext context)
    {
        var stamp = context.Principal?.FindFirstValue(AdminCredentials.SessionStampClaim);
        var credentials = context.HttpContext.RequestServices.GetRequiredService<AdminCredentials>();
        if (stamp is null || !string.Equals(stamp, credentials.SessionStamp, StringComparison.Ordinal))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }
}
