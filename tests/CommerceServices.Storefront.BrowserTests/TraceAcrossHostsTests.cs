using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using CommerceServices.Connector;
using CommerceServices.Platform.Observability;
using CommerceServices.Protocol;
using Microsoft.AspNetCore.Builder;
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

    private static async Task ConnectAsync(PlatformHost platform, StorefrontHost shop)
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
                                           string.Join('\n', all.Values.OrderBy(s => s.StartTimeUtc).Select(s => $"{s.Source.Name} {s.Kind} {s.DisplayName} {s.SpanId} <- {s.ParentSpanId}")));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();

    /// <summary>What one host's tracer provider exported.</summary>
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
