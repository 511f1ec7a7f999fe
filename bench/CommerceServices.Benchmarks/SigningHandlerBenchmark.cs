using System.Net;
using BenchmarkDotNet.Attributes;
using CommerceServices.Connector;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CommerceServices.Benchmarks;

/// <summary>
/// The connector's signing handler alone (the connector benchmark): one GET through an <see cref="HttpMessageInvoker"/> whose
/// last handler answers a cached 200 at once, so only the client side is measured. <c>FixedHeaders</c> is the unsigned
/// client (the same two headers added to the request), <c>SigningHandler</c> the connector's handler with its state
/// (settings, credentials, the reused token), <c>ConnectorPipeline</c> the resilience pipeline around it (retry, timeouts,
/// circuit breaker per gateway), built by IHttpClientFactory with <c>AddCommerceServicesSigning</c>.
/// </summary>
[MemoryDiagnoser]
public class SigningHandlerBenchmark
{
    private static readonly Uri Ping = new("http://127.0.0.1:5082/merchant-registry/v1/ping");
    private DirectoryInfo _store = null!;
    private HttpMessageInvoker _fixedHeaders = null!;
    private HttpMessageInvoker _signing = null!;
    private HttpMessageInvoker _pipeline = null!;
    private ServiceProvider _services = null!;
    private string _apiKey = null!;
    private string _token = null!;

    [GlobalSetup]
    public void Setup()
    {
        _store = Directory.CreateTempSubdirectory("signing-bench-");
        var options = Options.Create(new CommerceServicesConnectorOptions { StoreDirectory = _store.FullName, MaxRetries = 3 });
        var state = new ConnectorState(options, TimeProvider.System);
        using var key = RsaPem.CreateKey();
        _apiKey = ApiKeyFormat.Generate(GatewayEnvironment.Sandbox);
        state.Save(new ConnectorSettings
        {
            InstanceId = ConnectorSettings.NewInstanceId(),
            Environment = GatewayEnvironment.Sandbox,
            Sandbox = new EnvironmentKeys(_apiKey, key.ExportPkcs8PrivateKeyPem()),
        });
        _token = state.ActiveCredentials()!.GetToken();

        _fixedHeaders = new HttpMessageInvoker(new CachedAnswer());
        _signing = new HttpMessageInvoker(new GatewaySigningHandler(state) { InnerHandler = new CachedAnswer() });
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(options);
        services.AddSingleton(state);
        services.AddHttpClient("bench").AddCommerceServicesSigning().ConfigurePrimaryHttpMessageHandler(() => new CachedAnswer());
        _services = services.BuildServiceProvider();
        _pipeline = new HttpMessageInvoker(_services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler("bench"));
    }

    [Benchmark(Baseline = true)]
    public Task<HttpResponseMessage> FixedHeaders()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, Ping);
        request.Headers.TryAddWithoutValidation(GatewayHeaders.ApiKey, _apiKey);
        request.Headers.TryAddWithoutValidation(GatewayHeaders.Signature, _token);
        return _fixedHeaders.SendAsync(request, CancellationToken.None);
    }

    [Benchmark]
    public Task<HttpResponseMessage> SigningHandler() =>
        _signing.SendAsync(new HttpRequestMessage(HttpMethod.Get, Ping), CancellationToken.None);

    [Benchmark]
    public Task<HttpResponseMessage> ConnectorPipeline() =>
        _pipeline.SendAsync(new HttpRequestMessage(HttpMethod.Get, Ping), CancellationToken.None);

    [GlobalCleanup]
    public void Cleanup()
    {
        _fixedHeaders.Dispose();
        _signing.Dispose();
        _pipeline.Dispose();
        _services.Dispose();
        _store.Delete(recursive: true);
    }

    /// <summary>The network's stand-in: the same 200 for every request, at once.</summary>
    private sealed class CachedAnswer : HttpMessageHandler
    {
        private readonly Task<HttpResponseMessage> _answer = Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => _answer;
    }
}
