using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Accounts.KeyGeneration;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Events;
using CommerceServices.Platform.Gateway;
using CommerceServices.Platform.Gateway.Authentication;
using CommerceServices.Platform.Payments;
using CommerceServices.Platform.Portal;
using CommerceServices.Platform.Registry;
using CommerceServices.Platform.Hosting.FirstRun;
using CommerceServices.Platform.Hosting.Operator;
using CommerceServices.Platform.Operators;
using CommerceServices.Platform.Traffic;
using CommerceServices.Platform.Observability;
using CommerceServices.Platform.Scaling;
using CommerceServices.Platform.Webhooks;
using CommerceServices.Platform.Services;
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
        // appsettings.json is found next to the binary however the platform is started (dotnet run, the built binary
        // from any folder); the data folder is resolved against the working directory instead (DataFolder).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
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
        services.AddStartupValidation();
        services.AddSingleton<DataFolderLock>();

        var listeners = new PlatformListeners();
        services.AddSingleton(listeners);
        services.AddSingleton<MatcherPolicy, ListenerMatcherPolicy>();
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var options = PlatformOptions.Unchecked(context.Configuration);
            // Kestrel is configured when the app is built, before the settings are checked: with a bad listener setting it
            // binds nothing, and the start-up check then reports it together with every other bad setting.
            if (new PlatformOptionsValidator().Validate(null, options).Succeeded)
            {
                listeners.Bind(kestrel, options);
            }

            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 1024 * 1024;
        });

        builder.WebHost.ConfigureRequestLimits();
        builder.AddPlatformStorage();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<KeyChangeFeed>();
        services.AddScoped<AuditLog>();
        services.AddScoped<AccountService>();
        services.AddKeyGeneration();
        services.AddScoped<KeyPairService>();
        services.AddOptions<RegistryOptions>().BindConfiguration(RegistryOptions.Section);
        services.AddScoped<RegistryService>();
        services.AddEventOutbox();
        services.AddPaymentServices();
        services.AddWebhooks();
        services.AddServicesBehindTheGateway();

        services.AddSingleton<OperatorCredentials>();
        services.AddGatewayOptions();
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, OperatorTokenAuthenticationHandler>(OperatorTokenDefaults.AuthenticationScheme, null)
            .AddGatewaySignature();
        services.AddAuthorizationBuilder()
            .AddPolicy(OperatorTokenDefaults.PolicyName, policy => policy
                .AddAuthenticationSchemes(OperatorTokenDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser());
        services.AddGatewayRateLimiting();
        services.AddPortal();
        services.AddOperatorConsole();
        services.AddGatewayTraffic();
        services.AddPlatformSecurityHeaders();

        services.AddProblemDetails(o => o.CustomizeProblemDetails = Problems.AddCodeWhenMissing);
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddExceptionHandler<StorageUnavailableExceptionHandler>();
        // Unreadable bodies become exceptions so BadRequestExceptionHandler can say what was wrong with them.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(
            DataFolder.Resolve(builder.Configuration[$"{PlatformOptions.Section}:{nameof(PlatformOptions.DataDirectory)}"]),
            "data-protection-keys")));
        builder.AddFirstRunConventions();
        builder.AddPlatformObservability();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", timeout: TimeSpan.FromSeconds(4));
        builder.AddPlatformScaleOut();
        return builder;
    }

    public static WebApplication MapPlatform(this WebApplication app)
    {
        app.UseSecurityHeaders(); // first, so that every answer gets them, refusals included
        app.UseApiReferenceContentSecurityPolicy();
        app.UseRequestLimits();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseMiddleware<GatewayTraffic>();
        app.UseMiddleware<GatewayAdmission>();
        app.UseMiddleware<DataSpaceResolution>();

        app.MapMetricsEndpoint();
        app.MapManagementApi();
        app.MapRegistryManagementApi();
        app.MapWebhooksApi();
        app.MapPortal();
        app.MapOperatorConsole();
        app.MapGatewayInfo();
        var gateway = app.MapGateway();
        gateway.MapRegistryApi();
        gateway.MapPaymentsApi();
        app.MapServicesBehindTheGateway();
        return app;
    }

    /// <summary>
    /// Checks every setting (all failures at once), takes the SQLite data folder's lock, creates or upgrades the database
    /// and loads the operator token, before any listener opens.
    /// </summary>
    public static async Task InitializePlatformAsync(this WebApplication app)
    {
        app.Services.GetService<IStartupValidator>()?.Validate();
        DataFolder.EnsureCreated(app.Services.GetRequiredService<IOptions<PlatformOptions>>().Value);
        await app.Services.MigratePlatformDatabaseAsync();
        await KeyFingerprints.BackfillAsync(app.Services);
        await ProjectNames.BackfillAsync(app.Services);
        await app.Services.InitializeServicesAsync();
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

    [LoggerMessage(EventId = PlatformLogEvents.Ready, Level = LogLevel.Information,
        Message = "Platform ready. Portal and management API: {Portal}  Production gateway: {Production}  Sandbox gateway: {Sandbox}  Storage: {Storage}")]
    private static partial void LogReady(ILogger logger, Uri portal, Uri production, Uri sandbox, StorageProvider storage);
}
