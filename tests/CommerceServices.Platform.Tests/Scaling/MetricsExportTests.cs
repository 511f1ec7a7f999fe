using System.Collections.Concurrent;
using System.Net;
using System.Text;
using CommerceServices.Platform.Data;
using CommerceServices.Protocol;
using CommerceServices.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace CommerceServices.Platform.Tests.Scaling;

public sealed class MetricsExportTests
{
    [Fact]
    public async Task WithAnOtlpEndpointSet_ThePlatformsMetricsReachTheCollector()
    {
        // A stand-in OTLP/HTTP collector: keeps the protobuf bodies it is sent (metric and meter names are plain strings in them).
        var received = new ConcurrentQueue<string>();
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
        await collector.StartAsync();
        var collectorUrl = new Uri(collector.Urls.First());

        await using var host = await PlatformHost.StartAsync(StorageProvider.Sqlite, new Dictionary<string, string?>
        {
            ["OpenTelemetry:Endpoint"] = new Uri(collectorUrl, "/v1/metrics").ToString(),
            ["OpenTelemetry:ExportIntervalMilliseconds"] = "300",
        });
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(host.SandboxGatewayUrl, "/merchant-registry/v1/ping"));
        request.Headers.Add(GatewayHeaders.ApiKey, "cs_sbx_not-a-key");
        using var refused = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!received.Any(b => b.Contains("commerce.gateway.requests", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var all = string.Concat(received);
        Assert.Contains("CommerceServices.Platform", all);
        Assert.Contains("commerce.gateway.requests", all);
        Assert.Contains("commerce.gateway.key_cache.size", all);
        Assert.Contains("http.server.request.duration", all);
    }
}
