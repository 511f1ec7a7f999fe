using System.Collections.Concurrent;
using System.Net;
using System.Text;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Observability;
using CommerceServices.Protocol;
using CommerceServices.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace CommerceServices.Platform.Tests.Scaling;

public sealed class MetricsExportTests
{
    [Fact]
    public async Task WithAnOtlpEndpointSet_ThePlatformsMetricsAndTracesReachTheCollector()
    {
        // A stand-in OTLP/HTTP collector: keeps the protobuf bodies it is sent (metric, meter and span names are plain
        // strings in them), by signal.
        var received = new ConcurrentQueue<string>();
        var traces = new ConcurrentQueue<string>();
        var collectorBuilder = WebApplication.CreateSlimBuilder();
        collectorBuilder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var collector = collectorBuilder.Build();
        collector.MapPost("/v1/metrics", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            received.Enqueue(Encoding.Latin1.GetString(body.ToArray()));
            return Results.Ok();
        });
        collector.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            traces.Enqueue(Encoding.Latin1.GetString(body.ToArray()));
            return Results.Ok();
        });
        collector.MapPost("/v1/logs", () => Results.Ok());
        await collector.StartAsync();
        var collectorUrl = new Uri(collector.Urls.First());

        await using var host = await PlatformHost.StartAsync(StorageProvider.Sqlite, new Dictionary<string, string?>
        {
            // The standard variables, given as configuration keys the way --OTEL_...= arguments or the environment give them.
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collectorUrl.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "300",
        });
        // The client sends the traceparent it is given: in this process the platform's tracing would see the client's own
        // (unsampled) activity and let it replace the header.
        using var http = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(host.SandboxGatewayUrl, "/merchant-registry/v1/ping"));
        request.Headers.Add(GatewayHeaders.ApiKey, "cs_sbx_not-a-key");
        // Part of a sampled trace, so recorded whatever the platform's own share of new traces.
        request.Headers.Add("traceparent", $"00-{System.Diagnostics.ActivityTraceId.CreateRandom()}-{System.Diagnostics.ActivitySpanId.CreateRandom()}-01");
        using var refused = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((!received.Any(b => b.Contains("commerce.gateway.requests", StringComparison.Ordinal))
                || !traces.Any(b => b.Contains(PlatformTracing.Authenticate, StringComparison.Ordinal)))
               && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var all = string.Concat(received);
        Assert.Contains("CommerceServices.Platform", all);
        Assert.Contains("commerce.gateway.requests", all);
        Assert.Contains("commerce.gateway.key_cache.size", all);
        Assert.Contains("http.server.request.duration", all);
        var spans = string.Concat(traces);
        Assert.Contains(PlatformTracing.Authenticate, spans);
        Assert.Contains(ProblemCodes.MalformedApiKey, spans); // the refusal's code on the authentication step
        Assert.Contains("commerce-services-platform", spans);
    }
}
