using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Gateway;
using CommerceServices.Platform.Gateway.Authentication;
using CommerceServices.Platform.Payments;
using CommerceServices.Platform.Registry;
using CommerceServices.Platform.Hosting.Operator;
using CommerceServices.Platform.Scaling;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Hosting;

/// <summary>Composition of the platform host. <c>Program.cs</c> and the tests build it the same way.</summary>
public static partial class PlatformApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddPlatform();
        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapPlatform();
        return app;
    }

    public static IHostApplicationBuilder AddPlatform(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PlatformOptions>().BindConfiguration(PlatformOptions.Section);

        var listeners = new PlatformListeners();
        services.AddSingleton(listeners);
        services.AddSingleton<MatcherPolicy, ListenerMatcherPolicy>();
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var options = context.Configuration.GetSection(PlatformOptions.Section).Get<PlatformOptions>() ?? new PlatformOptions();
            listeners.Bind(kestrel, options);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 1024 * 1024;
        });

        builder.AddPlatformStorage();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<KeyChangeFeed>();
        services.AddScoped<AuditLog>();
        services.AddScoped<AccountService>();
        services.AddScoped<KeyPairService>();
        services.AddOptions<RegistryOptions>().BindConfiguration(RegistryOptions.Section);
        services.AddScoped<RegistryService>();
        services.AddScoped<IDataSpaceStore, PaymentsDataStore>();

        services.AddSingleton<OperatorCredentials>();
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section);
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, OperatorTokenAuthenticationHandler>(OperatorTokenDefaults.AuthenticationScheme, null)
            .AddGatewaySignature();
        services.AddAuthorizationBuilder()
            .AddPolicy(OperatorTokenDefaults.PolicyName, policy => policy
                .AddAuthenticationSchemes(OperatorTokenDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser())
            .AddPolicy(GatewaySignatureDefaults.PolicyName, policy => policy
                .AddAuthenticationSchemes(GatewaySignatureDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser());
        services.AddGatewayRateLimiting();

        services.AddProblemDetails(o => o.CustomizeProblemDetails = Problems.AddCodeWhenMissing);
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddExceptionHandler<StorageUnavailableExceptionHandler>();
        // Unreadable bodies become exceptions so BadRequestExceptionHandler can say what was wrong with them.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(
            Path.GetFullPath(builder.Configuration[$"{PlatformOptions.Section}:{nameof(PlatformOptions.DataDirectory)}"] ?? "data"),
            "data-protection-keys")));
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", timeout: TimeSpan.FromSeconds(4));
        builder.AddPlatformScaleOut();
        return builder;
    }

    public static WebApplication MapPlatform(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseMiddleware<DataSpaceResolution>();

        app.MapHealthEndpoints();
        app.MapManagementApi();
        app.MapRegistryManagementApi();
        app.MapGatewayInfo();
        var gateway = app.MapGateway();
        gateway.MapRegistryApi();
        gateway.MapPaymentsApi();
        return app;
    }

    /// <summary>Creates or upgrades the database and loads the operator token, before any listener opens.</summary>
    public static async Task InitializePlatformAsync(this WebApplication app)
    {
        await app.Services.MigratePlatformDatabaseAsync();
        app.Services.GetRequiredService<OperatorCredentials>().Initialize();

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("CommerceServices.Platform");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var listeners = app.Services.GetRequiredService<PlatformListeners>();
            var storage = app.Services.GetRequiredService<IConfiguration>().GetValue(
                $"{StorageOptions.Section}:{nameof(StorageOptions.Provider)}", StorageProvider.Sqlite);
            LogReady(logger, listeners.UrlOf(PlatformListener.Portal), listeners.UrlOf(PlatformListener.ProductionGateway),
                listeners.UrlOf(PlatformListener.SandboxGateway), storage);
        });
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Platform ready. Portal and management API: {Portal}  Production gateway: {Production}  Sandbox gateway: {Sandbox}  Storage: {Storage}")]
    private static partial void LogReady(ILogger logger, Uri portal, Uri production, Uri sandbox, StorageProvider storage);
}
