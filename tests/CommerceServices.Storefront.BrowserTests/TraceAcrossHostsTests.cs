using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using CommerceServices.Connector;
using CommerceServices.Platform.Observability;
using CommerceServices.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;

namespace CommerceServices.Storefront.BrowserTests;

/// <summary>
/// R31: a checkout in the shop is one OpenTelemetry trace, from the shop's request through the connector's call, the
/// gateway's steps and Payment Services to the database, across hosts joined only by HTTP on real sockets (the W3C
/// <c>traceparent</c> the connector's requests carry). Each host records with an in-memory exporter of its own.
/// </summary>
public sealed partial class TraceAcrossHostsTests
{
    [Fact]
    public async Task ACheckout_IsOneTrace_FromTheShopThroughTheGatewayAndPaymentServicesToTheDatabase()
    {
        var platformSpans = new Spans();
        var shopSpans = new Spans();
        var shopLogs = new CapturedLogs();
        await using var platform = await PlatformHost.StartAsync(
            settings: new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information" },
            configure: builder => platformSpans.RecordIn(builder));
        await using var shop = await StorefrontHost.StartAsync(platform, configure: builder =>
        {
            shopSpans.RecordIn(builder);
            builder.Configuration["Logging:LogLevel:System.Net.Http.HttpClient"] = "Information";
            builder.Logging.AddProvider(shopLogs);
        });
        await ConnectAsync(platform, shop);

        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
            { BaseAddress = shop.Url };
        using (var added = await browser.PostAsync("/cart", Form(await FormTokenAsync(browser, "/"), ("productId", "mug"))))
        {
            Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        }

        using var paid = await browser.PostAsync("/checkout", Form(await FormTokenAsync(browser, "/checkout"),
            ("name", "Ada"), ("email", "ada@example.test"), ("cardNumber", "4242 4242 4242 4242"), ("expMonth", "12"),
            ("expYear", "2030"), ("cvc", "123")));
        Assert.Equal(HttpStatusCode.Redirect, paid.StatusCode);
        Assert.StartsWith("/orders/", paid.Headers.Location?.OriginalString, StringComparison.Ordinal);

        // The shop's span of the checkout: a server span of the shop's own listener.
        var checkout = await shopSpans.WaitForAsync(s => s.Kind == ActivityKind.Server && s.DisplayName == "POST /checkout"
                                                         && Port(s) == shop.Url.Port);
        var trace = checkout.TraceId;
        var all = platformSpans.Of(trace).Concat(shopSpans.Of(trace)).DistinctBy(s => s.SpanId).ToDictionary(s => s.SpanId);

        // Down the chain: the database call of the authorization, Payment Services' operation, the gateway's steps and
        // its server span on the sandbox gateway's listener, the shop's HTTP call, the connector's span, the checkout.
        var database = all.Values.First(s => s.Source.Name.Contains("EntityFrameworkCore", StringComparison.Ordinal)
                                             && HasAncestor(all, s, a => a.DisplayName == "payments.authorize" && a.Source.Name == PlatformTracing.SourceName));
        Assert.Equal(ActivityKind.Client, database.Kind);
        Assert.Equal("sqlite", database.GetTagItem("db.system.name") ?? database.GetTagItem("db.system"));
        var service = Ancestor(all, database, a => a.DisplayName == "payments.authorize" && a.Source.Name == PlatformTracing.SourceName);
        var gateway = Ancestor(all, service, a => a.Kind == ActivityKind.Server && Port(a) == platform.SandboxGatewayUrl.Port);
        Assert.Equal(gateway.SpanId, service.ParentSpanId); // the gateway's steps end before the service runs
        Assert.Contains(all.Values, s => s.DisplayName == PlatformTracing.Authenticate && s.ParentSpanId == gateway.SpanId);
        Assert.Contains(all.Values, s => s.DisplayName == PlatformTracing.Admit && s.ParentSpanId == gateway.SpanId);
        Assert.Contains(all.Values, s => s.DisplayName == PlatformTracing.ResolveDataSpace && s.ParentSpanId == gateway.SpanId);
        var call = all[gateway.ParentSpanId];
        Assert.Equal(ActivityKind.Client, call.Kind);
        var connector = Ancestor(all, call, a => a.Source.Name == ConnectorTelemetry.ActivitySourceName);
        Assert.Equal("payments.authorize", connector.DisplayName);
        Assert.Same(checkout, Ancestor(all, connector, a => a.SpanId == checkout.SpanId));

        // One request id in the logs of both: the shop's log of its call and the gateway's log of the request carry the
        // trace id (the console shows it as the TraceId scope of each line).
        Assert.Contains(shopLogs.LinesOfTrace(trace), l => l.Contains("/payments/v1/payments", StringComparison.Ordinal));
        Assert.Contains(platform.Logs.LinesOfTrace(trace), l => l.Contains("/payments/v1/payments", StringComparison.Ordinal));

        // The capture that follows is in the same trace too.
        Assert.Contains(all.Values, s => s.Source.Name == ConnectorTelemetry.ActivitySourceName && s.DisplayName == "payments.capture");
        Assert.Contains(all.Values, s => s.Source.Name == PlatformTracing.SourceName && s.DisplayName == "payments.capture");
    }

    /// <summary>
    /// The same for a service that runs as its own process: a product page's "Customers also bought" is one trace from
    /// the shop through the gateway's forward to the recommendations service and its database. The service exports over
    /// OTLP (the standard variables) to a stand-in collector that keeps what it is sent.
    /// </summary>
    [Fact]
    public async Task AProductPage_IsOneTrace_FromTheShopThroughTheGatewaysForwardToTheRecommendationsServiceAndItsDatabase()
    {
        var collected = new System.Collections.Concurrent.ConcurrentQueue<byte[]>();
        var collectorBuilder = WebApplication.CreateSlimBuilder();
        collectorBuilder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var collector = collectorBuilder.Build();
        collector.MapPost("/v1/traces", async (Microsoft.AspNetCore.Http.HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            collected.Enqueue(body.ToArray());
            return Microsoft.AspNetCore.Http.Results.Ok();
        });
        collector.MapPost("/v1/metrics", () => Microsoft.AspNetCore.Http.Results.Ok());
        collector.MapPost("/v1/logs", () => Microsoft.AspNetCore.Http.Results.Ok());
        await collector.StartAsync();

        var platformSpans = new Spans();
        var shopSpans = new Spans();
        await using var platform = await PlatformHost.StartAsync(configure: builder => platformSpans.RecordIn(builder));
        await using var service = await ServiceProcess.StartAsync(Directory.CreateTempSubdirectory("cs-recommendations-").FullName, platform.PortalUrl,
            settings: new Dictionary<string, string?>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Urls.First(),
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            });
        using (var registered = await platform.Management.PostAsJsonAsync("api/v1/services", new
               {
                   id = "recommendations", name = "Recommendations", pathPrefix = "/recommendations/v1", upstreams = new[] { service.Url.AbsoluteUri },
                   dataSpace = "required", lifecycleUrl = service.LifecycleUrl.AbsoluteUri,
               }))
        {
            Assert.True(registered.IsSuccessStatusCode, await registered.Content.ReadAsStringAsync());
        }

        await using var shop = await StorefrontHost.StartAsync(platform, configure: builder => shopSpans.RecordIn(builder));
        var merchant = await ConnectAsync(platform, shop);
        (await platform.Management.PutAsync($"api/v1/accounts/{merchant}/entitlements/recommendations", null)).EnsureSuccessStatusCode();

        using var browser = new HttpClient { BaseAddress = shop.Url };
        using (var product = await browser.GetAsync("/products/mug"))
        {
            Assert.Equal(HttpStatusCode.OK, product.StatusCode);
        }

        // This shop's own listener: the other browser tests' shops in this process show product pages too.
        var page = await shopSpans.WaitForAsync(s => s.Kind == ActivityKind.Server && s.DisplayName == "GET /products/{id}"
                                                     && Port(s) == shop.Url.Port);
        var trace = page.TraceId;
        var all = platformSpans.Of(trace).Concat(shopSpans.Of(trace)).DistinctBy(s => s.SpanId).ToDictionary(s => s.SpanId);

        // In the platform: the gateway's server span on the sandbox listener, its steps, and the forward to the service,
        // under which YARP's call to the upstream goes out; all below the shop's call from the product page.
        var forward = await platformSpans.WaitForAsync(s => s.TraceId == trace && s.DisplayName == PlatformTracing.Forward);
        all[forward.SpanId] = forward;
        Assert.Equal("recommendations", forward.GetTagItem(PlatformTracing.ServiceId));
        var gateway = Ancestor(all, forward, a => a.Kind == ActivityKind.Server && Port(a) == platform.SandboxGatewayUrl.Port);
        Assert.Contains(all.Values, s => s.DisplayName == PlatformTracing.Authenticate && s.ParentSpanId == gateway.SpanId);
        Assert.Same(page, Ancestor(all, gateway, a => a.SpanId == page.SpanId));

        // In the service's process: its spans of the same trace reached the collector — its server span and its database
        // statement (the trace id is 16 raw bytes in the protobuf, next to each span's names).
        var traceBytes = Convert.FromHexString(trace.ToHexString());
        var deadline = DateTime.UtcNow.AddSeconds(30);
        bool Exported(string name) => collected.Any(b => Contains(b, traceBytes) && Contains(b, System.Text.Encoding.UTF8.GetBytes(name)));
        while (!(Exported("also-bought") && Exported("sqlite")) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        // On failure: what each batch held, and what the service printed (an export it gave up on says so there).
        string Batches() => string.Join("; ", collected.Select((b, i) =>
            $"#{i}: {b.Length} bytes, trace {(Contains(b, traceBytes) ? "yes" : "no")}, sqlite {(Contains(b, "sqlite"u8) ? "yes" : "no")}, also-bought {(Contains(b, "also-bought"u8) ? "yes" : "no")}"));
        Assert.True(Exported("also-bought"), $"The service exported {collected.Count} batches; none holds its server span of trace {trace}. {Batches()}\n{service.Output}");
        Assert.True(Exported("sqlite"), $"The service exported {collected.Count} batches; none holds a database span of trace {trace}. {Batches()}\n{service.Output}");
    }

    private static bool Contains(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    private static async Task<string> ConnectAsync(PlatformHost platform, StorefrontHost shop)
    {
        var merchant = await Merchant.CreateAsync(platform);
        var (apiKey, privateKey) = await merchant.NewKeyAsync("sandbox");
        var dataSpace = await merchant.NewDataSpaceAsync("testing", "traced-shop");
        var connector = shop.Services.GetRequiredService<CommerceServicesConnector>();
        var configured = await connector.ConfigureAsync(new ConnectorChange
        {
            Environment = GatewayEnvironment.Sandbox, ApiKey = apiKey, PrivateKeyPem = privateKey, DataSpaceId = dataSpace,
        });
        Assert.True(configured.Success, configured.Message);
        return merchant.AccountId;
    }

    private static async Task<string> FormTokenAsync(HttpClient browser, string page)
    {
        var html = await browser.GetStringAsync(page);
        return FormToken().Match(html) is { Success: true } match ? WebUtility.HtmlDecode(match.Groups[1].Value)
            : throw new InvalidOperationException($"No form token on {page}.");
    }

    private static FormUrlEncodedContent Form(string token, params (string Name, string Value)[] fields) =>
        new(fields.Select(f => KeyValuePair.Create(f.Name, f.Value)).Append(KeyValuePair.Create("__RequestVerificationToken", token)));

    private static int? Port(Activity span) => span.GetTagItem("server.port") is { } port ? Convert.ToInt32(port, System.Globalization.CultureInfo.InvariantCulture) : null;

    private static bool HasAncestor(Dictionary<ActivitySpanId, Activity> all, Activity span, Func<Activity, bool> match)
    {
        for (var current = span; all.TryGetValue(current.ParentSpanId, out var parent); current = parent)
        {
            if (match(parent))
            {
                return true;
            }
        }

        return false;
    }

    private static Activity Ancestor(Dictionary<ActivitySpanId, Activity> all, Activity span, Func<Activity, bool> match)
    {
        for (var current = span; all.TryGetValue(current.ParentSpanId, out var parent); current = parent)
        {
            if (match(parent))
            {
                return parent;
            }
        }

        throw new Xunit.Sdk.XunitException($"No matching ancestor of {span.DisplayName} in the trace:\n" +
                                           string.Join('\n', all.Values.OrderBy(s => s.StartTimeUtc).Select(s => $"{s.Source.Name} {s.Kind} {s.DisplayName} {s.SpanId} <- {s.ParentSpanId} " +
                                               $"(ended: {s.IsStopped}; server.port: {s.GetTagItem("server.port") ?? "none"})")));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();

    /// <summary>
    /// What one host's tracer provider exported: its own spans, and those of every other host of this test process (its
    /// activity listener hears them all), so a span is picked by its listener's port or its trace.
    /// </summary>
    private sealed class Spans
    {
        private readonly List<Activity> _list = [];

        public void RecordIn(WebApplicationBuilder builder) =>
            builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(_list));

        public IEnumerable<Activity> Of(ActivityTraceId trace)
        {
            lock (_list)
            {
                return _list.Where(s => s.TraceId == trace).ToList();
            }
        }

        public async Task<Activity> WaitForAsync(Func<Activity, bool> match)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline)
            {
                lock (_list)
                {
                    if (_list.FirstOrDefault(match) is { } found)
                    {
                        return found;
                    }
                }

                await Task.Delay(50);
            }

            throw new Xunit.Sdk.XunitException("The span was not exported within 30 s.");
        }
    }
}
