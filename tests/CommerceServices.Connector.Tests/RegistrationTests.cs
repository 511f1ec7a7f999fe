using Microsoft.Extensions.Http.Resilience;
using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using CommerceServices.Connector.Payments;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;
using CommerceServices.Protocol.Payments;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Xunit.Abstractions;

namespace CommerceServices.Connector.Tests;

/// <summary>
/// Every <c>Add…CommerceServices…</c> method may be called again (by the app and by the admin pages, say) without
/// registering anything twice: one signing and one retry handler on each client, so a failing call is tried
/// 1 + MaxRetries times, not that squared.
/// </summary>
public sealed class RegistrationTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempStore _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> Registrations => ["connector", "payments", "admin", "signing"];

    [Theory]
    [MemberData(nameof(Registrations))]
    public void CallingAnAddMethodTwice_RegistersExactlyWhatOneCallRegisters(string registration)
    {
        var configuration = Configuration("http://127.0.0.1:9");

        var once = Register(new ServiceCollection(), configuration, registration, times: 1);
        var twice = Register(new ServiceCollection(), configuration, registration, times: 2);

        Assert.Equal(Describe(once), Describe(twice));
    }

    [Fact]
    public void TheAdminPagesAndThePaymentsClientRegisteredTogether_GiveThePaymentsClientOneSigningAndOneRetryHandler()
    {
        var services = new ServiceCollection();
        // What the sample storefront and the integrator's app did: both, in either order, and each twice.
        services.AddCommerceServicesConnector(Configuration("http://127.0.0.1:9"));
        services.AddCommerceServicesPayments();
        services.AddCommerceServicesAdmin(o => o.AuthorizationPolicy = "Admins");
        services.AddCommerceServicesAdmin();
        services.AddCommerceServicesPayments();
        services.AddCommerceServicesConnector(Configuration("http://127.0.0.1:9"));
        using var provider = services.BuildServiceProvider();

        var handlers = HandlerChain(provider, nameof(PaymentsClient));

        Assert.Equal(1, handlers.Count(h => h is GatewaySigningHandler));
        Assert.Equal(1, handlers.Count(h => h is ResilienceHandler));
        // Outermost first: a retry is signed again.
        Assert.True(handlers.FindIndex(h => h is ResilienceHandler) < handlers.FindIndex(h => h is GatewaySigningHandler));
    }

    [Fact]
    public async Task APaymentAgainstAGatewayThatAlwaysAnswers503_IsTriedFourTimes_NotSixteen()
    {
        await using var gateway = await AlwaysUnavailableGateway.StartAsync();
        SaveSandboxKeys(_temp.Store);
        var services = new ServiceCollection();
        services.AddLogging();
        var configuration = Configuration(gateway.Url);
        services.AddCommerceServicesConnector(configuration);
        services.AddCommerceServicesPayments();
        services.AddCommerceServicesAdmin(o => o.AuthorizationPolicy = "Admins");
        await using var provider = services.BuildServiceProvider();
        var payments = provider.GetRequiredService<PaymentsClient>();
        var watch = Stopwatch.StartNew();

        var result = await payments.AuthorizeAsync(new AuthorizePaymentRequest("order-1042", 1000, "EUR",
            new CardDetails("4111111111111111", 12, 2030, "737")));

        watch.Stop();
        Assert.False(result.Success);
        Assert.Equal(ProblemCodes.StorageUnavailable, result.Code);
        Assert.Equal(4, gateway.Attempts); // the first attempt and MaxRetries (3) retries
        Assert.Single(gateway.IdempotencyKeys.Distinct()); // every attempt is the same operation
        // The result as an app returns it as JSON: the failure's kind is a word, like its code.
        var json = JsonSerializer.SerializeToNode(result, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Assert.Equal("refused", json["failure"]!["kind"]!.GetValue<string>());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
        output.WriteLine($"{gateway.Attempts} attempts in {watch.Elapsed.TotalSeconds:0.00} s");
    }

    [Fact]
    public void EveryPublicEnumOfThePackages_IsWrittenAsAWordInJson()
    {
        var assemblies = new[] { typeof(GatewayEnvironment).Assembly, typeof(CommerceServicesConnector).Assembly, typeof(Admin.CommerceServicesAdminOptions).Assembly };
        var enums = assemblies.SelectMany(a => a.GetExportedTypes()).Where(t => t.IsEnum).ToList();
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);

        Assert.Contains(typeof(GatewayFailureKind), enums);
        Assert.All(enums, type =>
        {
            foreach (var value in Enum.GetValues(type))
            {
                var written = JsonSerializer.Serialize(value, type, options);
                Assert.True(written.StartsWith('"'), $"{type.Name}.{value} is written as {written}");
                Assert.Equal(value, JsonSerializer.Deserialize(written, type, options));
            }
        });
        Assert.Equal("\"unreachable\"", JsonSerializer.Serialize(GatewayFailureKind.Unreachable, options));
        Assert.Equal("\"not_configured\"", JsonSerializer.Serialize(ConnectionState.NotConfigured, options));
        Assert.Equal("\"sandbox\"", JsonSerializer.Serialize(GatewayEnvironment.Sandbox, options));
        Assert.Equal("\"carry_over\"", JsonSerializer.Serialize(DataSpaceMove.CarryOver, options));
    }

    [Fact]
    public void TheRegistrationMethods_LiveInTheFrameworksNamespaces_SoTheyNeedNoUsing()
    {
        var connector = typeof(CommerceServicesConnector).Assembly;
        var admin = typeof(Admin.CommerceServicesAdminOptions).Assembly;
        var methods = connector.GetExportedTypes().Concat(admin.GetExportedTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
            .Where(m => m.IsDefined(typeof(System.Runtime.CompilerServices.ExtensionAttribute), false)
                        && (m.Name.StartsWith("AddCommerceServices", StringComparison.Ordinal) || m.Name.StartsWith("MapCommerceServices", StringComparison.Ordinal)))
            .ToList();

        Assert.Equal(["AddCommerceServicesAdmin", "AddCommerceServicesConnector", "AddCommerceServicesPayments", "AddCommerceServicesSigning", "AddCommerceServicesWebhooks", "MapCommerceServicesAdmin", "MapCommerceServicesWebhooks"],
            methods.Select(m => m.Name).Distinct().Order(StringComparer.Ordinal)); // overloads once
        Assert.All(methods, m => Assert.Equal(
            m.Name.StartsWith("Map", StringComparison.Ordinal) ? "Microsoft.AspNetCore.Builder" : "Microsoft.Extensions.DependencyInjection",
            m.DeclaringType!.Namespace));
    }

    [Theory]
    [InlineData(false, true, "AddCommerceServicesConnector")]
    [InlineData(true, false, "AddCommerceServicesAdmin")]
    public async Task MappingThePages_WithoutTheirRegistration_StopsTheStart_NamingTheMissingCall(bool connector, bool admin, string missing)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (connector)
        {
            builder.Services.AddCommerceServicesConnector(Configuration("http://127.0.0.1:9"));
        }

        if (admin)
        {
            builder.Services.AddCommerceServicesAdmin(o => o.AuthorizationPolicy = "Admins");
        }

        await using var app = builder.Build();

        var refused = Assert.Throws<InvalidOperationException>(() => app.MapCommerceServicesAdmin());
        Assert.Contains(missing, refused.Message, StringComparison.Ordinal);
    }

    private static IServiceCollection Register(IServiceCollection services, IConfiguration configuration, string registration, int times)
    {
        // The framework's AddHttpClient(name) is not idempotent itself: the client is made once, and signed twice.
        var client = registration == "signing" ? services.AddHttpClient("shop") : null;
        for (var i = 0; i < times; i++)
        {
            switch (registration)
            {
                case "connector":
                    services.AddCommerceServicesConnector(configuration);
                    break;
                case "payments":
                    services.AddCommerceServicesConnector(configuration).AddCommerceServicesPayments();
                    break;
                case "admin":
                    services.AddCommerceServicesConnector(configuration).AddCommerceServicesAdmin();
                    break;
                case "signing":
                    services.AddCommerceServicesConnector(configuration);
                    client!.AddCommerceServicesSigning();
                    break;
            }
        }

        return services;
    }

    /// <summary>A registration as a comparable list: each service, its key, lifetime and what makes it.</summary>
    private static List<string> Describe(IServiceCollection services) => services.Select(d =>
        $"{d.ServiceType.FullName} [{d.ServiceKey}] {d.Lifetime} {(d.IsKeyedService ? d.KeyedImplementationType : d.ImplementationType)?.FullName ?? (d.IsKeyedService ? d.KeyedImplementationInstance : d.ImplementationInstance)?.GetType().FullName ?? "factory"}").ToList();

    private static List<DelegatingHandler> HandlerChain(IServiceProvider provider, string clientName)
    {
        var handlers = new List<DelegatingHandler>();
        HttpMessageHandler? handler = provider.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(clientName);
        while (handler is DelegatingHandler delegating)
        {
            handlers.Add(delegating);
            handler = delegating.InnerHandler;
        }

        return handlers;
    }

    private IConfiguration Configuration(string sandboxGateway) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["CommerceServices:StoreDirectory"] = _temp.Store,
        ["CommerceServices:SandboxGatewayUrl"] = sandboxGateway,
        ["CommerceServices:Environment"] = GatewayEnvironments.SandboxName,
    }).Build();

    /// <summary>A sandbox key pair and data space in the store, written directly: the gateway here never accepts one.</summary>
    private static void SaveSandboxKeys(string store)
    {
        using var rsa = RSA.Create(2048);
        var settings = new ConnectorSettingsStore(store);
        settings.Save(settings.Load() with
        {
            Environment = GatewayEnvironment.Sandbox,
            Sandbox = new EnvironmentKeys(ApiKeyFormat.Generate(GatewayEnvironment.Sandbox), rsa.ExportPkcs8PrivateKeyPem()),
            ProjectId = "prj_test",
            DataSpaceId = "ds_test",
        });
    }

    /// <summary>A gateway on a loopback port that answers every request 503 storage_unavailable, and counts them.</summary>
    private sealed class AlwaysUnavailableGateway : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _attempts;

        private AlwaysUnavailableGateway(WebApplication app) => _app = app;

        public int Attempts => Volatile.Read(ref _attempts);

        public System.Collections.Concurrent.ConcurrentBag<string> IdempotencyKeys { get; } = [];

        public string Url { get; private set; } = "";

        public static async Task<AlwaysUnavailableGateway> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var gateway = new AlwaysUnavailableGateway(app);
            app.Run(async http =>
            {
                Interlocked.Increment(ref gateway._attempts);
                gateway.IdempotencyKeys.Add(http.Request.Headers[GatewayHeaders.IdempotencyKey].ToString());
                http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                http.Response.ContentType = "application/problem+json";
                await http.Response.WriteAsync($$"""{"status":503,"title":"Storage unavailable","code":"{{ProblemCodes.StorageUnavailable}}","detail":"Try again shortly."}""");
            });
            await app.StartAsync();
            gateway.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return gateway;
        }

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }
}
