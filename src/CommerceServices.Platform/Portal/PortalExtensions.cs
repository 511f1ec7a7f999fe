using System.Net;
using System.Security.Claims;
using System.Threading.RateLimiting;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Portal.Authorization;
using CommerceServices.Platform.Portal.Tokens;
using CommerceServices.Platform.Portal.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Portal;

/// <summary>Wiring of the account portal: users, account tokens, session cookies, the pages and the OpenAPI document.</summary>
public static class PortalExtensions
{
    public const string CookieScheme = "PortalCookie";
    public const string UserPolicy = "PortalUser";
    public const string SignInRateLimitPolicy = "portal-sign-in";
    public const string SecurityStampClaim = "security_stamp";

    public static IServiceCollection AddPortal(this IServiceCollection services)
    {
        services.AddOptions<PortalOptions>().BindConfiguration(PortalOptions.Section);
        services.AddScoped<UserService>();
        services.AddScoped<AccountTokenService>();
        services.AddSingleton<IPasswordHasher<PortalUser>, PasswordHasher<PortalUser>>();
        services.AddSingleton<SignInFailures>();
        services.AddScoped<OneTimeHandoff>();
        services.AddManagementAuthorization();

        services.AddAuthentication().AddCookie(CookieScheme, _ => { });
        services.AddOptions<CookieAuthenticationOptions>(CookieScheme).Configure<IOptions<PortalOptions>>((cookie, portal) =>
        {
            cookie.Cookie.Name = "cs_portal";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = portal.Value.SessionIdleTimeout;
            cookie.SlidingExpiration = true;
            cookie.LoginPath = "/sign-in";
            cookie.LogoutPath = "/sign-out";
            cookie.AccessDeniedPath = "/sign-in";
            // Sign-out and password changes replace the stamp; every other session's cookie then stops working at its next request.
            cookie.Events.OnValidatePrincipal = SecurityStampCookies.Validator(CookieScheme, SecurityStampClaim,
                (services, user, ct) => services.GetRequiredService<UserService>().SecurityStampOfAsync(user, ct));
        });
        services.AddAuthorizationBuilder().AddPolicy(UserPolicy, policy => policy
            .AddAuthenticationSchemes(CookieScheme)
            .RequireAuthenticatedUser()
            .RequireClaim(ManagementAuthorization.AccountIdClaim));

        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "cs_antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = "__csrf";
        });
        services.AddRazorPages(o =>
        {
            o.RootDirectory = "/Portal/Pages";
            o.Conventions.AuthorizeFolder("/", UserPolicy);
            o.Conventions.AllowAnonymousToPage("/SignIn");
            o.Conventions.AllowAnonymousToPage("/SignUp");
            o.Conventions.AllowAnonymousToPage("/Invitation");
        }).AddApplicationPart(typeof(PortalExtensions).Assembly); // the tests' host has another entry assembly
        services.AddRateLimiter(o => o.AddPolicy<string, SignInRateLimit>(SignInRateLimitPolicy));
        // The default document describes the management API; the gateways' calls and their signing have one of their own.
        services.AddOpenApi(o =>
        {
            o.ShouldInclude = description => description.RelativePath?.StartsWith("api/v1/", StringComparison.Ordinal) == true;
            o.AddDocumentTransformer(ApiReference.DescribeManagementApi);
        });
        services.AddGatewayOpenApiDocument();
        return services;
    }

    public static WebApplication MapPortal(this WebApplication app)
    {
        app.MapPortalApi();
        app.MapRazorPages().RequireListener(PlatformListener.Portal).WithPageSecurityHeaders();
        app.MapOpenApi().RequireListener(PlatformListener.Portal);
        app.MapApiReference();
        // The stylesheet and the copy script answer on the portal listener only.
        foreach (var (path, type) in new[] { ("/portal.css", "text/css; charset=utf-8"), ("/portal.js", "text/javascript; charset=utf-8") })
        {
            app.MapEmbeddedAsset("CommerceServices.Platform.Portal.wwwroot", path, type)
                .RequireListener(PlatformListener.Portal).WithPageSecurityHeaders().ExcludeFromDescription();
        }
        return app;
    }

    /// <summary>The claims of a signed-in portal user: who, which account, and the stamp the session was made with.</summary>
    public static ClaimsPrincipal PrincipalOf(PortalUser user) => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.NameIdentifier, user.Id),
        new Claim(ClaimTypes.Name, user.Email),
        new Claim(ManagementAuthorization.AccountIdClaim, user.AccountId),
        new Claim(SecurityStampClaim, user.SecurityStamp),
    ], CookieScheme));

    /// <summary>Sign-in posts per client IP address per minute (<c>Portal:SignInAttemptsPerMinutePerIp</c>); pages are not limited.</summary>
    private sealed class SignInRateLimit(IOptions<PortalOptions> options) : IRateLimiterPolicy<string>
    {
        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = async (context, ct) =>
        {
            var response = context.HttpContext.Response;
            response.StatusCode = StatusCodes.Status429TooManyRequests;
            response.Headers.RetryAfter = "60";
            response.ContentType = "text/plain; charset=utf-8";
            await response.WriteAsync("Too many sign-in attempts from this address. Wait a minute, then try again.", ct);
        };

        public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
            HttpMethods.IsPost(httpContext.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(
                    (httpContext.Connection.RemoteIpAddress ?? IPAddress.None).ToString(),
                    _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = Math.Max(1, options.Value.SignInAttemptsPerMinutePerIp),
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                    })
                : RateLimitPartition.GetNoLimiter("page");
    }
}
