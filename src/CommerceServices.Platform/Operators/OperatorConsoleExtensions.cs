using System.Security.Claims;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Operators.Console;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Operators;

/// <summary>
/// Wiring of the operator console: operator users, their two session cookies (after the password; after the second
/// factor), the policies, the console's pages at <c>/operator</c> and the operators' management API.
/// </summary>
public static class OperatorConsoleExtensions
{
    public const string PathBase = "/operator";

    /// <summary>The console session. Its cookie is scoped to <see cref="PathBase"/>: the portal's pages never see it.</summary>
    public const string CookieScheme = "OperatorCookie";

    /// <summary>Between the password and the second factor: who passed the first step, for five minutes.</summary>
    public const string TwoFactorScheme = "OperatorTwoFactor";

    /// <summary>A complete console session: the second factor was given, or is not required (support without TOTP).</summary>
    public const string ConsolePolicy = "OperatorConsole";

    /// <summary>Any operator session, including an admin's that may only enrol a second factor.</summary>
    public const string EnrolPolicy = "OperatorEnrol";

    public const string SecurityStampClaim = "operator_stamp";

    /// <summary><c>full</c> for a console session, <c>enrol</c> for an admin who has no second factor yet.</summary>
    public const string AccessClaim = "operator_access";

    public static IServiceCollection AddOperatorConsole(this IServiceCollection services)
    {
        services.AddOptions<OperatorOptions>().BindConfiguration(OperatorOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OperatorOptions>, OperatorOptionsValidator>();
        services.AddScoped<OperatorService>();
        services.AddSingleton<IPasswordHasher<OperatorUser>, PasswordHasher<OperatorUser>>();
        services.AddSingleton<ConsoleLinks>();
        services.AddRazorComponents();
        ConsoleNavigation.AddBuiltInSections(services);

        services.AddAuthentication().AddCookie(CookieScheme, _ => { }).AddCookie(TwoFactorScheme, _ => { });
        services.AddOptions<CookieAuthenticationOptions>(CookieScheme).Configure<IOptions<OperatorOptions>>((cookie, operators) =>
        {
            cookie.Cookie.Name = "cs_operator";
            cookie.Cookie.Path = PathBase;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = operators.Value.SessionIdleTimeout;
            cookie.SlidingExpiration = true;
            cookie.LoginPath = PathBase + "/sign-in";
            cookie.LogoutPath = PathBase + "/sign-out";
            cookie.AccessDeniedPath = PathBase + "/enrol";
            // A changed stamp (sign-out elsewhere, a new second factor, the operator removed) ends the session at its next request.
            cookie.Events.OnValidatePrincipal = SecurityStampCookies.Validator(CookieScheme, SecurityStampClaim,
                (services, id, ct) => services.GetRequiredService<OperatorService>().SecurityStampOfAsync(id, ct));
        });
        services.AddOptions<CookieAuthenticationOptions>(TwoFactorScheme).Configure(cookie =>
        {
            cookie.Cookie.Name = "cs_operator_2fa";
            cookie.Cookie.Path = PathBase;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = TimeSpan.FromMinutes(5);
            cookie.SlidingExpiration = false;
            cookie.LoginPath = PathBase + "/sign-in";
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(ConsolePolicy, policy => policy
                .AddAuthenticationSchemes(CookieScheme)
                .RequireAuthenticatedUser()
                .RequireClaim(AccessClaim, "full"))
            .AddPolicy(EnrolPolicy, policy => policy
                .AddAuthenticationSchemes(CookieScheme)
                .RequireAuthenticatedUser()
                .RequireClaim(AccessClaim));
        return services;
    }

    /// <summary>
    /// Maps the console at <see cref="PathBase"/> on its own listener when <c>Platform:OperatorUrl</c> is set, else on the
    /// portal's; and the operators' management API on the portal listener (the operator token keeps working there).
    /// </summary>
    public static WebApplication MapOperatorConsole(this WebApplication app)
    {
        var listener = string.IsNullOrWhiteSpace(PlatformOptions.Unchecked(app.Configuration).OperatorUrl)
            ? PlatformListener.Portal
            : PlatformListener.Operator;
        app.MapOperatorsApi();
        var console = app.MapGroup(PathBase).RequireListener(listener).WithPageSecurityHeaders().ExcludeFromDescription();
        ConsoleEndpoints.Map(console);
        console.MapEmbeddedAsset("CommerceServices.Platform.Operators.wwwroot", "/console.css", "text/css; charset=utf-8");
        if (listener == PlatformListener.Operator)
        {
            app.MapGet("/", () => TypedResults.Redirect(PathBase)).RequireListener(PlatformListener.Operator).ExcludeFromDescription();
        }

        return app;
    }

    /// <summary>The claims of a signed-in operator.</summary>
    public static ClaimsPrincipal PrincipalOf(OperatorUser user, bool full) => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.NameIdentifier, user.Id),
        new Claim(ClaimTypes.Name, user.Email),
        new Claim(ClaimTypes.Role, user.Role.ToName()),
        new Claim(SecurityStampClaim, user.SecurityStamp),
        new Claim(AccessClaim, full ? "full" : "enrol"),
    ], CookieScheme));

    /// <summary>Who passed the password step, for the second-factor page.</summary>
    public static ClaimsPrincipal PendingPrincipalOf(OperatorUser user) => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.NameIdentifier, user.Id),
        new Claim(SecurityStampClaim, user.SecurityStamp),
    ], TwoFactorScheme));
}

/// <summary>Addresses of the console for links made elsewhere (invitations made through the API).</summary>
public sealed class ConsoleLinks(IOptions<PlatformOptions> options, PlatformListeners listeners)
{
    /// <summary>The invitation link: on the console's own listener when there is one, else where the request came in.</summary>
    public string Invitation(HttpContext http, string secret) => $"{Root(http)}{OperatorConsoleExtensions.PathBase}/invitations/{secret}";

    private string Root(HttpContext http)
    {
        if (string.IsNullOrWhiteSpace(options.Value.OperatorUrl) || !listeners.IsBound(PlatformListener.Operator))
        {
            return $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}";
        }

        var configured = new Uri(options.Value.OperatorUrl);
        return configured.Port == 0 || configured.Host is "*" or "+" or "0.0.0.0"
            ? listeners.UrlOf(PlatformListener.Operator).AbsoluteUri.TrimEnd('/')
            : configured.GetLeftPart(UriPartial.Authority);
    }
}
