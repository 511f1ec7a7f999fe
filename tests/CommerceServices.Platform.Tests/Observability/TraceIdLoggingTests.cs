using System.Diagnostics;
using System.Net;
using System.Text.Json;
using CommerceServices.Protocol;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Observability;

/// <summary>
/// The platform as a real process with JSON console logs: a gateway request that arrives with a W3C <c>traceparent</c>
/// is logged with that trace id, in lines that are still one JSON object each, and its refusal names the trace too.
/// </summary>
public sealed class TraceIdLoggingTests
{
    [Theory]
    [InlineData("", "false")] // the default: the simple format, a scope line under each message
    [InlineData("simple", "true")]
    [InlineData("systemd", "false")]
    public async Task InTheTextFormats_ARequestsLogLines_CarryTheCallersTraceId(string formatter, string singleLine)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("cs-text-logs-").FullName;
        await using var node = await PlatformProcess.StartAsync(dataDirectory, new Dictionary<string, string?>
        {
            ["Logging:Console:FormatterName"] = formatter,
            ["Logging:Console:FormatterOptions:SingleLine"] = singleLine,
            ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
        });
        var trace = ActivityTraceId.CreateRandom();

        using var response = await SendRefusedAsync(node, trace);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!node.Output.Contains($"TraceId:{trace.ToHexString()}", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Contains($"TraceId:{trace.ToHexString()}", node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithJsonConsoleLogs_ARequestsLogLines_CarryTheCallersTraceId()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("cs-json-logs-").FullName;
        await using var node = await PlatformProcess.StartAsync(dataDirectory, new Dictionary<string, string?>
        {
            ["Logging:Console:FormatterName"] = "json",
            ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
            ["Logging:LogLevel:CommerceServices.Platform.Gateway"] = "Debug",
        });
        var trace = ActivityTraceId.CreateRandom();

        using var response = await SendRefusedAsync(node, trace);
        var problem = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(trace.ToHexString(), problem, StringComparison.Ordinal); // the problem's traceId, for a support request

        var deadline = DateTime.UtcNow.AddSeconds(30);
        List<JsonElement> lines;
        do
        {
            await Task.Delay(100);
            lines = node.Output.Split('\n').Where(l => l.TrimStart().StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        }
        while (!lines.Any(l => TraceIdOf(l) == trace.ToHexString() && l.GetProperty("Category").GetString()!.Contains("Gateway", StringComparison.Ordinal))
               && DateTime.UtcNow < deadline);

        var ofTheRequest = lines.Where(l => TraceIdOf(l) == trace.ToHexString()).ToList();
        Assert.Contains(ofTheRequest, l => l.GetProperty("Category").GetString() == "Microsoft.AspNetCore.Hosting.Diagnostics");
        Assert.Contains(ofTheRequest, l => l.GetProperty("Message").GetString()!.Contains(ProblemCodes.MalformedApiKey, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.GetProperty("Message").GetString()!.Contains("cs_sbx_not-a-key", StringComparison.Ordinal));
    }

    /// <summary>A gateway call with a malformed API key, in the trace <paramref name="trace"/>.</summary>
    private static async Task<HttpResponseMessage> SendRefusedAsync(PlatformProcess node, ActivityTraceId trace)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node.SandboxGatewayUrl, "/merchant-registry/v1/ping"));
        request.Headers.Add(GatewayHeaders.ApiKey, "cs_sbx_not-a-key");
        request.Headers.Add("traceparent", $"00-{trace.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        // Sent as given: when tracing listens in this process (another test's platform), the client would otherwise put
        // the traceparent of its own activity in place of this one.
        using var http = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null });
        return await http.SendAsync(request);
    }

    /// <summary>The <c>TraceId</c> of the line's scopes, as the JSON formatter writes them.</summary>
    private static string? TraceIdOf(JsonElement line) =>
        line.TryGetProperty("Scopes", out var scopes)
            ? scopes.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("TraceId", out _))
                .Select(s => s.GetProperty("TraceId").GetString()).FirstOrDefault()
            : null;
}
