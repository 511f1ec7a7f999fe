using CommerceServices.Connector;
using CommerceServices.Connector.Admin;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Storefront;

/// <summary>Composition of the storefront. <c>Program.cs</c> and the browser tests build it the same way.</summary>
public static class StorefrontApplication
{
    public const string AdminPolicy = "StorefrontAdmin";
    public const string AdminPrefix = "/admin/commerce-services";

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
        var services = builder.Services;
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
        services.AddCommerceServicesConnector(builder.Configuration);
        services.AddCommerceServicesPayments();
        services.AddScoped<CheckoutPayments>();
        // The recommendations service behind the gateway, signed with the connector's keys like Payment Services (R8).
        services.AddHttpClient<RecommendationsClient>().AddCommerceServicesSigning();
        services.AddSingleton(new OrderStore(dataDirectory));
        services.AddSingleton<AdminCredentials>();

        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(o =>
        {
            o.LoginPath = "/admin/sign-in";
            o.Cookie.Name = "storefront-admin";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
        });
        services.AddAuthorizationBuilder().AddPolicy(AdminPolicy, p => p.RequireAuthenticatedUser().RequireRole(AdminCredentials.Role));
        services.AddCommerceServicesAdmin(o =>
        {
            o.AuthorizationPolicy = AdminPolicy;
            o.PortalUrl = options.PortalUrl;
            o.ApplicationName = "Storefront admin";
            o.HomeUrl = "/";
            o.SignOutUrl = "/admin/sign-out";
        });
        return builder;
    }

    public static WebApplication MapStorefront(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapShop();
        app.MapAdminSignIn();
        app.MapGet("/admin", () => TypedResults.Redirect($"{AdminPrefix}/payments"));
        app.MapCommerceServicesAdmin(AdminPrefix);
        // Said at start so the merchant knows where to sign in (the password itself only on the first start).
        app.Lifetime.ApplicationStarted.Register(() => app.Services.GetRequiredService<AdminCredentials>().Announce());
        _ = app.Services.GetRequiredService<IOptions<StorefrontOptions>>().Value;
        return app;
    }
}
