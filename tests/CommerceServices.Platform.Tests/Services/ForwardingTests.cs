using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CommerceServices.Platform.Tests.Gateway;
using CommerceServices.Platform.Tests.Scaling;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Services;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Services;

/// <summary>
/// A signed call to a registered service, through a real platform process to a real upstream on loopback: checked as
/// every gateway call is, then forwarded with the merchant's credentials replaced by the platform's token, which the
/// upstream checks with the stock JwtBearer handler against the published keys.
/// </summary>
public sealed class ForwardingTests(ForwardingFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<ForwardingFixture>
{
    private PlatformProcess Platform => fixture.Platform;

    private RecordingUpstream Upstream => fixture.Upstream;

    private ServiceMerchant Merchant => fixture.Merchant;

    [Fact]
    public async Task EveryRefusal_IsTheGatewaysProblem_AndNeverReachesTheUpstream()
    {
        var marker = $"refusal-{Guid.NewGuid():N}";
        // Keys of merchants of their own: making a key retires the account's previous one (R5), and the fixture's is shared.
        var other = await ServicesTestKit.MerchantAsync(Platform, "echo");
        var revoked = other.Sandbox;
        (await Platform.Management.DeleteAsync($"/api/v1/accounts/{other.Account}/keys/{revoked.ApiKey}")).EnsureSuccessStatusCode();
        var path = $"/echo/v1/{marker}/echo";

        using var unsigned = await ServicesTestKit.CallAsync(Platform, Merchant.Sandbox, HttpMethod.Get, path, Merchant.Testing, sign: false);
        using var revokedCall = await ServicesTestKit.CallAsync(Platform, revoked, HttpMethod.Get, path, Merchant.Testing);
        using var notEntitled = await ServicesTestKit.CallAsync(Platform, fixture.NotEntitled.Sandbox, HttpMethod.Get, path, fixture.NotEntitled.Testing);
        using var noDataSpace = await ServicesTestKit.CallAsync(Platform, Merchant.Sandbox, HttpMethod.Get, path);
        using var otherAccountsDataSpace = await ServicesTestKit.CallAsync(Platform, Merchant.Sandbox, HttpMethod.Get, path, fixture.NotEntitled.Testing);
        using var typeMismatch = await ServicesTestKit.CallAsync(Platform, Merchant.Production, HttpMethod.Get, path, Merchant.Testing);

        await ExpectProblemAsync(unsigned, HttpStatusCode.Unauthorized, ProblemCodes.MissingSignature);
        await ExpectProblemAsync(revokedCall, HttpStatusCode.Unauthorized, ProblemCodes.RevokedApiKey);
        await ExpectProblemAsync(notEntitled, HttpStatusCode.Forbidden, ProblemCodes.NotEntitled);
        Assert.Contains("x-data-space-id", await ExpectProblemAsync(noDataSpace, HttpStatusCode.BadRequest, ProblemCodes.DataSpaceRequired));
        await ExpectProblemAsync(otherAccountsDataSpace, HttpStatusCode.NotFound, ProblemCodes.DataSpaceNotFound);
        await ExpectProblemAsync(typeMismatch, HttpStatusCode.Conflict, ProblemCodes.DataSpaceTypeMismatch);

        // The rate limit: one key's burst spent at once, the rest refused.
        var limited = await ServicesTestKit.MerchantAsync(Platform, "echo");
        var key = limited.Sandbox;
        var burst = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            using var response = await ServicesTestKit.CallAsync(Platform, key, HttpMethod.Get, path, limited.Testing);
            return response.StatusCode == HttpStatusCode.TooManyRequests ? await response.ProblemCodeAsync() : response.StatusCode.ToString();
        }));
        Assert.Contains(ProblemCodes.RateLimited, burst);
        var admitted = burst.Count(b => b == nameof(HttpStatusCode.OK));
        Assert.InRange(admitted, 1, 39);

        // Exactly the admitted calls reached the upstream; none of the refused ones did.
        Assert.Equal(admitted, Upstream.Requests.Count(r => r.Path.Contains(marker, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task TheUpstream_GetsNoMerchantCredential_ButAPlatformTokenItsStockJwtBearerAccepts_WithTheCallersClaims()
    {
        var marker = $"claims-{Guid.NewGuid():N}";
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        using var response = await ServicesTestKit.CallAsync(Platform, Merchant.Sandbox, HttpMethod.Get, $"/echo/v1/{marker}/echo", Merchant.Testing,
            headers: new Dictionary<string, string>
            {
                [GatewayHeaders.ApiKeyAlias] = Merchant.Sandbox.ApiKey,
                ["Authorization"] = "Bearer the-merchants-own",
                ["traceparent"] = $"00-{traceId}-00f067aa0ba902b7-01",
                ["Keep-Alive"] = "timeout=5",
            });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(Upstream.Requests, r => r.Path.Contains(marker, StringComparison.Ordinal));
        Assert.True(seen.Authenticated, seen.AuthenticationFailure);
        foreach (var credential in new[] { "x-api-key", "magento-api-key", "x-gw-signature", "x-data-space-id", "magento-environment-id", "keep-alive" })
        {
            Assert.False(seen.Headers.ContainsKey(credential), $"The upstream received '{credential}'.");
        }

        Assert.StartsWith("Bearer ", seen.Headers["authorization"], StringComparison.Ordinal);
        Assert.NotEqual("Bearer the-merchants-own", seen.Headers["authorization"]);
        Assert.Equal("127.0.0.1", seen.Headers["x-forwarded-for"]);
        Assert.Equal("http", seen.Headers["x-forwarded-proto"]);
        Assert.Contains(traceId, seen.Headers["traceparent"], StringComparison.Ordinal);

        Assert.Equal(Platform.PortalUrl.AbsoluteUri.TrimEnd('/'), seen.Claims["iss"]);
        Assert.Equal("echo", seen.Claims["aud"]);
        Assert.Equal(Merchant.Account, seen.Claims["sub"]);
        Assert.Equal("sandbox", seen.Claims[GatewayTokenClaims.Environment]);
        Assert.Equal(Merchant.Testing, seen.Claims[GatewayTokenClaims.DataSpaceId]);
        Assert.Equal("testing", seen.Claims[GatewayTokenClaims.DataSpaceType]);
        Assert.StartsWith("key_", seen.Claims[GatewayTokenClaims.ApiKeyId], StringComparison.Ordinal);
        Assert.Equal(seen.Headers[GatewayTokenClaims.RequestIdHeader], seen.Claims[GatewayTokenClaims.RequestId]);
        Assert.Equal(seen.Claims["jti"], seen.Claims[GatewayTokenClaims.RequestId]);
        Assert.InRange(long.Parse(seen.Claims["exp"]) - long.Parse(seen.Claims["iat"]), 1, 60);
        Assert.DoesNotContain(seen.Claims.Values, v => v == Merchant.Sandbox.ApiKey);

        // Signed with a key of the published set, by kid, in ES256.
        var header = JsonNode.Parse(Encoding.UTF8.GetString(Base64Url(seen.Headers["authorization"]["Bearer ".Length..].Split('.')[0])))!;
        Assert.Equal("ES256", header["alg"]!.GetValue<string>());
        var jwks = await (await new HttpClient().GetAsync(new Uri(Platform.PortalUrl, "/.well-known/jwks.json"))).ReadNodeAsync();
        Assert.Contains(jwks["keys"]!.AsArray(), k => k!["kid"]!.GetValue<string>() == header["kid"]!.GetValue<string>());
        var echoed = await response.ReadNodeAsync();
        Assert.Equal(Merchant.Testing, echoed["caller"]!["dataSpaceId"]!.GetValue<string>());
    }

    [Fact]
    public async Task UpstreamFailures_Are502And504Problems_WhileTheUpstreamsOwnErrorsPassThroughUnchanged()
    {
        var closed = ServiceProcess.FreePort();
        await ServicesTestKit.RegisterAsync(Platform, new ServiceRegistration("refusing", "Refusing", "/refusing/v1", [$"http://127.0.0.1:{closed}"],
            DataSpaceModes.None));
        var merchant = await ServicesTestKit.MerchantAsync(Platform, "refusing", "echo");

        using var refused = await ServicesTestKit.CallAsync(Platform, merchant.Sandbox, HttpMethod.Get, "/refusing/v1/anything");
        var timer = Stopwatch.StartNew();
        using var slow = await ServicesTestKit.CallAsync(Platform, merchant.Sandbox, HttpMethod.Get, "/echo/v1/x/slow?ms=20000", merchant.Testing);
        timer.Stop();
        using var teapot = await ServicesTestKit.CallAsync(Platform, merchant.Sandbox, HttpMethod.Get, "/echo/v1/x/status/418", merchant.Testing);
        using var failing = await ServicesTestKit.CallAsync(Platform, merchant.Sandbox, HttpMethod.Get, "/echo/v1/x/status/503", merchant.Testing);

        await ExpectProblemAsync(refused, HttpStatusCode.BadGateway, ProblemCodes.ServiceUnavailable);
        Assert.Contains("2 s", await ExpectProblemAsync(slow, HttpStatusCode.GatewayTimeout, ProblemCodes.ServiceTimeout));
        Assert.InRange(timer.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(15));
        foreach (var (own, status) in new[] { (teapot, 418), (failing, 503) })
        {
            Assert.Equal(status, (int)own.StatusCode);
            Assert.Equal("application/json", own.Content.Headers.ContentType!.MediaType);
            Assert.Equal("""{"error":"the upstream's own"}""", await own.Content.ReadAsStringAsync());
            Assert.Equal("its own answer", own.Headers.GetValues("x-upstream").Single());
        }
    }

    [Fact]
    public async Task AServiceThatHangs_FillsOnlyItsOwnLimit_AndOtherServicesKeepAnswering()
    {
        var hanging = await RecordingUpstream.StartAsync(Platform.PortalUrl, "hanging");
        await using var _ = hanging;
        await ServicesTestKit.RegisterAsync(Platform, new ServiceRegistration("hanging", "Hanging", "/hanging/v1", [hanging.Url.AbsoluteUri],
            DataSpaceModes.None, TimeoutSeconds: 30, MaxConcurrentRequests: 2));
        var merchant = await ServicesTestKit.MerchantAsync(Platform, "hanging", "echo");
        using var stop = new CancellationTokenSource();
        var held = Enumerable.Range(0, 2).Select(_ =>
            ServicesTestKit.CallAsync(Platform, merchant.Sandbox, HttpMethod.Get, "/hanging/v1/x/slow?ms=25000", cancellationToken: stop.Token)).ToList();
        Assert.True(await ServicesTestKit.EventuallyAsync(() => Task.FromResult(hanging.InProgress == 2), TimeSpan.FromSeconds(20)));

        using var third = await ServicesTestKit.CallAsync(Platform, merchant.Sandbox, HttpMethod.Get, "/hanging/v1/x/slow?ms=1");
        var timer = Stopwatch.StartNew();
        using var other = await ServicesTestKit.CallAsync(Platform, merchant.Sandbox, HttpMethod.Get, "/echo/v1/x/echo", merchant.Testing);
        timer.Stop();

        await ExpectProblemAsync(third, HttpStatusCode.ServiceUnavailable, ProblemCodes.ServiceBusy);
        Assert.Equal("1", third.Headers.RetryAfter!.ToString());
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.True(timer.Elapsed < TimeSpan.FromSeconds(10), $"The other service took {timer.Elapsed}.");
        await stop.CancelAsync();
        await Task.WhenAll(held.Select(async h =>
        {
            try
            {
                (await h).Dispose();
            }
            catch (OperationCanceledException)
            {
                // the held calls end with the test
            }
        }));
    }

    [Fact]
    public async Task A50MegabyteBody_StreamsThroughBothWays_WithoutTheGatewaysMemoryGrowingByIt()
    {
        const long size = 50L * 1024 * 1024;
        var merchant = await ServicesTestKit.MerchantAsync(Platform, "echo");
        // Warm-up: the forwarding path, its buffers and its JIT, with a body of 1 MiB each way.
        await UploadAsync(merchant, 1024 * 1024);
        using (var warm = await ServicesTestKit.CallAsync(Platform, merchant.Sandbox, HttpMethod.Get, "/echo/v1/x/download?bytes=1048576", merchant.Testing))
        {
            await warm.Content.CopyToAsync(Stream.Null);
        }

        var baseline = Platform.ResidentBytes();
        long peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, Platform.ResidentBytes());
                await Task.Delay(20);
            }
        });

        var uploaded = await UploadAsync(merchant, size);
        long downloaded = 0;
        using (var download = await ServicesTestKit.CallAsync(Platform, merchant.Sandbox, HttpMethod.Get, $"/echo/v1/x/download?bytes={size}", merchant.Testing))
        {
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            await using var body = await download.Content.ReadAsStreamAsync();
            var buffer = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(buffer)) > 0)
            {
                downloaded += read;
            }
        }

        await sampling.CancelAsync();
        await sampler;
        Assert.Equal(size, uploaded);
        Assert.Equal(size, downloaded);
        var grown = (peak - baseline) / (1024.0 * 1024.0);
        output.WriteLine($"Gateway resident memory: {baseline / 1048576.0:F1} MiB before, {peak / 1048576.0:F1} MiB at most while 50 MiB went up and 50 MiB came down.");
        Assert.True(grown < 20, $"The gateway's resident memory grew by {grown:F1} MiB while 50 MiB went through each way (baseline {baseline / 1048576} MiB).");
    }

    [Fact]
    public async Task ABodyLargerThanTheGatewayForwards_Is413_AndAnUnknownPathIs404AsBefore()
    {
        // Expect: 100-continue: the client sends the body only if the gateway asks for it, which it does not.
        using var tooLarge = await ServicesTestKit.CallAsync(Platform, Merchant.Sandbox, HttpMethod.Post, "/echo/v1/x/upload", Merchant.Testing,
            new LengthOnlyContent(200L * 1024 * 1024), new Dictionary<string, string> { ["Expect"] = "100-continue" });
        using var unknown = await ServicesTestKit.CallAsync(Platform, Merchant.Sandbox, HttpMethod.Get, "/nothing/here", Merchant.Testing);
        using var underPrefixOfNothing = await ServicesTestKit.CallAsync(Platform, Merchant.Sandbox, HttpMethod.Get, "/echo/v2/x", Merchant.Testing);

        await ExpectProblemAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge, ProblemCodes.RequestTooLarge);
        await ExpectProblemAsync(unknown, HttpStatusCode.NotFound, ProblemCodes.NotFound);
        await ExpectProblemAsync(underPrefixOfNothing, HttpStatusCode.NotFound, ProblemCodes.NotFound);
    }

    [Fact]
    public async Task TheServiceList_SaysWhichServicesTheAccountIsEntitledTo_AndWhichAnswer()
    {
        await ServicesTestKit.RegisterAsync(Platform, new ServiceRegistration("gone", "Gone", "/gone/v1", [$"http://127.0.0.1:{ServiceProcess.FreePort()}"],
            DataSpaceModes.None, ["sandbox"], HealthPath: "/healthz"));

        async Task<JsonArray> ListAsync(TestKey key)
        {
            using var response = await ServicesTestKit.CallAsync(Platform, key, HttpMethod.Get, "/merchant-registry/v1/services");
            return (await response.ReadNodeAsync()).AsArray();
        }

        Assert.True(await ServicesTestKit.EventuallyAsync(async () =>
            (await ListAsync(Merchant.Sandbox)).Any(s => s!["id"]!.GetValue<string>() == "gone" && !s["healthy"]!.GetValue<bool>()), TimeSpan.FromSeconds(20)));
        var sandbox = await ListAsync(Merchant.Sandbox);
        var production = await ListAsync(Merchant.Production);

        var echo = sandbox.Single(s => s!["id"]!.GetValue<string>() == "echo")!;
        Assert.True(echo["entitled"]!.GetValue<bool>());
        Assert.True(echo["healthy"]!.GetValue<bool>());
        Assert.Equal("/echo/v1", echo["pathPrefix"]!.GetValue<string>());
        Assert.False(sandbox.Single(s => s!["id"]!.GetValue<string>() == "gone")!["entitled"]!.GetValue<bool>());
        Assert.True(sandbox.Single(s => s!["id"]!.GetValue<string>() == "payments")!["entitled"]!.GetValue<bool>());
        Assert.DoesNotContain(production, s => s!["id"]!.GetValue<string>() == "gone"); // offered on the sandbox gateway only
    }

    private async Task<long> UploadAsync(ServiceMerchant merchant, long bytes)
    {
        using var response = await ServicesTestKit.CallAsync(Platform, merchant.Sandbox, HttpMethod.Post, "/echo/v1/x/upload", merchant.Testing,
            new GeneratedContent(bytes));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.ReadNodeAsync())["bytes"]!.GetValue<long>();
    }

    private static async Task<string> ExpectProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status} {code}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!;
        Assert.Equal(code, problem["code"]!.GetValue<string>());
        return problem["detail"]?.GetValue<string>() ?? "";
    }

    private static byte[] Base64Url(string value) =>
        Convert.FromBase64String(value.Replace('-', '+').Replace('_', '/').PadRight(value.Length + (4 - value.Length % 4) % 4, '='));

    /// <summary>A body made while it is sent, never held whole in memory.</summary>
    private sealed class GeneratedContent(long length) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = new byte[64 * 1024];
            Random.Shared.NextBytes(chunk);
            for (long sent = 0; sent < length; sent += chunk.Length)
            {
                await stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, length - sent)));
            }
        }

        protected override bool TryComputeLength(out long length1)
        {
            length1 = length;
            return true;
        }
    }

    /// <summary>Announces a length and sends nothing: the gateway must refuse it from the header alone.</summary>
    private sealed class LengthOnlyContent(long length) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => Task.Delay(TimeSpan.FromSeconds(30));

        protected override bool TryComputeLength(out long length1)
        {
            length1 = length;
            return true;
        }
    }
}
