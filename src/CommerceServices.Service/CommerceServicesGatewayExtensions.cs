using CommerceServices.Protocol.Services;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace CommerceServices.Service;

public static class CommerceServicesGatewayDefaults
{
    /// <summary>The authentication scheme: the stock JwtBearer handler under its usual name.</summary>
    public const string AuthenticationScheme = JwtBearerDefaults.AuthenticationScheme;

    /// <summary>A merchant's call forwarded by the gateway (the default policy of endpoints that say <c>RequireAuthorization()</c>).</summary>
    public const string CallerPolicy = "CommerceServicesCaller";

    /// <summary>The platform's own data space lifecycle calls (holdings, copy, delete): scope <c>lifecycle</c>.</summary>
    public const string LifecyclePolicy = "CommerceServicesLifecycle";

    /// <summary>The signing algorithm of the gateway's token.</summary>
    public const string Algorithm = "ES256";
}

public static class CommerceServicesGatewayExtensions
{
    /// <summary>
    /// Sets up the stock JwtBearer handler for the gateway's token: <c>Authority</c> the platform (its keys read from
    /// <c>/.well-known/openid-configuration</c>), audience this service's id, ES256 only, lifetime checked; claims as the
    /// token names them. Adds two policies: <see cref="CommerceServicesGatewayDefaults.CallerPolicy"/> (a merchant's
    /// call; the default policy) and <see cref="CommerceServicesGatewayDefaults.LifecyclePolicy"/> (the platform's
    /// lifecycle calls; a merchant's token never passes it). Options come from <c>CommerceServices:Gateway</c>
    /// (<see cref="CommerceServicesGatewayOptions"/>), then <paramref name="configure"/>; they are checked at start.
    /// </summary>
    public static AuthenticationBuilder AddCommerceServicesGateway(this IServiceCollection services, Action<CommerceServicesGatewayOptions>? configure = null)
    {
        var options = services.AddOptions<CommerceServicesGatewayOptions>().BindConfiguration(CommerceServicesGatewayOptions.Section).ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CommerceServicesGatewayOptions>, CommerceServicesGatewayOptionsValidator>());
        services.AddOptions<JwtBearerOptions>(CommerceServicesGatewayDefaults.AuthenticationScheme)
            .Configure<IOptions<CommerceServicesGatewayOptions>>((jwt, gateway) =>
            {
                var settings = gateway.Value;
                jwt.Authority = settings.Authority?.AbsoluteUri.TrimEnd('/');
                jwt.Audience = settings.ServiceId;
                jwt.RequireHttpsMetadata = settings.Authority?.IsLoopback != true;
                jwt.MapInboundClaims = false;
                // A failed call names what was wrong in WWW-Authenticate (expired, wrong audience…), never the token.
                jwt.IncludeErrorDetails = true;
                // Asked for again on an unknown key at most this often; the scheduled read is KeyRefreshInterval.
                jwt.RefreshInterval = settings.KeyRefreshInterval < TimeSpan.FromSeconds(30) ? settings.KeyRefreshInterval : TimeSpan.FromSeconds(30);
                var validation = jwt.TokenValidationParameters;
                validation.ValidIssuer = jwt.Authority;
                validation.ValidAlgorithms = [CommerceServicesGatewayDefaults.Algorithm];
                validation.RequireExpirationTime = true;
                validation.RequireSignedTokens = true;
                validation.ClockSkew = settings.ClockSkew;
                validation.NameClaimType = JwtRegisteredClaimNames.Sub;
            });
        services.AddHostedService<GatewayKeyRefresher>();
        services.AddAuthorizationBuilder()
            .AddPolicy(CommerceServicesGatewayDefaults.CallerPolicy, policy => policy
                .AddAuthenticationSchemes(CommerceServicesGatewayDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireAssertion(c => c.User.FindFirst(GatewayTokenClaims.Scope)?.Value != GatewayTokenClaims.LifecycleScope))
            .AddPolicy(CommerceServicesGatewayDefaults.LifecyclePolicy, policy => policy
                .AddAuthenticationSchemes(CommerceServicesGatewayDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireClaim(GatewayTokenClaims.Scope, GatewayTokenClaims.LifecycleScope))
            .SetDefaultPolicy(new AuthorizationPolicyBuilder(CommerceServicesGatewayDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireAssertion(c => c.User.FindFirst(GatewayTokenClaims.Scope)?.Value != GatewayTokenClaims.LifecycleScope)
                .Build());
        return services.AddAuthentication(CommerceServicesGatewayDefaults.AuthenticationScheme).AddJwtBearer();
    }

    /// <summary>
    /// Reads the platform's keys again every <see cref="CommerceServicesGatewayOptions.KeyRefreshInterval"/>, through the
    /// handler's own configuration manager: the platform publishes its next key long before it signs with it, and this is
    /// what makes every service know it in time (the handler's own schedule is every 12 hours).
    /// </summary>
    private sealed class GatewayKeyRefresher(IOptionsMonitor<JwtBearerOptions> jwt, IOptions<CommerceServicesGatewayOptions> gateway) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            using var timer = new PeriodicTimer(gateway.Value.KeyRefreshInterval);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (jwt.Get(CommerceServicesGatewayDefaults.AuthenticationScheme).ConfigurationManager is { } manager)
                {
                    manager.RequestRefresh();
                    try
                    {
                        // Fetched now rather than at the next call, so a quiet service is ready too.
                        await manager.GetConfigurationAsync(stoppingToken);
                    }
                    catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException)
                    {
                        // The platform is away a moment: the keys known so far keep working; the next tick tries again.
                    }
                }
            }
        }
    }
}
