using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Gateway.Authentication;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;
using CommerceServices.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Tests.Gateway;

/// <summary>
/// The gateway's hardening, each through real HTTP: the exact rate limit, failure throttling, one public key per pair,
/// long URLs answered with a problem, refusals a hook may take over, and options that stop the start.
/// </summary>
public sealed class GatewayHardeningTests
{
    private const string Ping = "/merchant-registry/v1/ping";
    private static readonly HttpClient Http = new();

    [Fact]
    public async Task BadSignatures_AreThrottledPerKeyAndAddress_WithRetryAfter_WhileTheKeysInstanceElsewhereIsNot()
    {
        await using var host = await PlatformHost.StartAsync(StorageProvider.Sqlite, new Dictionary<string, string?>
        {
            ["FailureThrottle:Burst"] = "3",
            ["FailureThrottle:PerMinute"] = "6",
        });
        var account = await GatewayFixture.CreateAccountAsync(host);
        var key = await GatewayFixture.CreateKeyAsync(host, account, GatewayEnvironment.Sandbox);
        var other = await GatewayFixture.CreateKeyAsync(host, account, GatewayEnvironment.Production);
        var verifiedEarlier = key.Token();
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(Http, host.SandboxGatewayUrl, key.ApiKey, verifiedEarlier)).StatusCode);

        var codes = new List<string?>();
        for (var i = 0; i < 4; i++)
        {
            codes.Add(await (await SendAsync(Http, host.SandboxGatewayUrl, key.ApiKey, Forged(other))).ProblemCodeAsync());
        }

        // Fresh tokens (another exp than the one verified earlier), so each needs RSA work.
        var throttled = await SendAsync(Http, host.SandboxGatewayUrl, key.ApiKey, key.Token(TimeSpan.FromMinutes(4)));
        using var elsewhere = FromAddress(IPAddress.Parse("127.0.0.2"));
        var fromElsewhere = await SendAsync(elsewhere, host.SandboxGatewayUrl, key.ApiKey, key.Token(TimeSpan.FromMinutes(3)));
        var alreadyVerified = await SendAsync(Http, host.SandboxGatewayUrl, key.ApiKey, verifiedEarlier);

        Assert.Equal([ProblemCodes.InvalidSignature, ProblemCodes.InvalidSignature, ProblemCodes.InvalidSignature, ProblemCodes.RateLimited], codes);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal(ProblemCodes.RateLimited, await throttled.ProblemCodeAsync());
        Assert.InRange(throttled.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(11));
        Assert.Equal(HttpStatusCode.OK, fromElsewhere.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alreadyVerified.StatusCode);
    }

    [Fact]
    public async Task WrongOperatorTokens_AreThrottledPerAddress_EvenForTheRightToken_WhileOtherAddressesAreNot()
    {
        await using var host = await PlatformHost.StartAsync(StorageProvider.Sqlite, new Dictionary<string, string?>
        {
            ["FailureThrottle:Burst"] = "3",
            ["FailureThrottle:PerMinute"] = "6",
        });
        var codes = new List<string?>();
        for (var i = 0; i < 4; i++)
        {
            codes.Add(await (await GetAccountsAsync(Http, host, $"guess-{i}")).ProblemCodeAsync());
        }

        var rightTokenHere = await GetAccountsAsync(Http, host, PlatformHost.OperatorToken);
        using var elsewhere = FromAddress(IPAddress.Parse("127.0.0.2"));
        var rightTokenElsewhere = await GetAccountsAsync(elsewhere, host, PlatformHost.OperatorToken);

        Assert.Equal([ProblemCodes.InvalidOperatorToken, ProblemCodes.InvalidOperatorToken, ProblemCodes.InvalidOperatorToken, ProblemCodes.RateLimited], codes);
        Assert.Equal(HttpStatusCode.TooManyRequests, rightTokenHere.StatusCode);
        Assert.True(rightTokenHere.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.False(string.IsNullOrWhiteSpace((await rightTokenHere.ReadNodeAsync())["message"]?.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, rightTokenElsewhere.StatusCode);
    }

    [Fact]
    public async Task WrongAccountTokens_AreThrottledPerAddress_InTheSameBucketAsOperatorTokens()
    {
        await using var host = await PlatformHost.StartAsync(StorageProvider.Sqlite, new Dictionary<string, string?>
        {
            ["FailureThrottle:Burst"] = "3",
            ["FailureThrottle:PerMinute"] = "6",
        });
        var codes = new List<string?>();
        for (var i = 0; i < 3; i++)
        {
            codes.Add(await (await GetAccountsAsync(Http, host, $"cs_tok_guess{i}")).ProblemCodeAsync());
        }

        // The bucket is per address, whatever kind of token was guessed: the next guess of either kind is refused unread.
        var operatorGuess = await GetAccountsAsync(Http, host, "operator-guess");
        var accountGuess = await GetAccountsAsync(Http, host, "cs_tok_another_guess");

        Assert.Equal([ProblemCodes.InvalidAccountToken, ProblemCodes.InvalidAccountToken, ProblemCodes.InvalidAccountToken], codes);
        Assert.Equal(ProblemCodes.RateLimited, await operatorGuess.ProblemCodeAsync());
        Assert.Equal(HttpStatusCode.TooManyRequests, accountGuess.StatusCode);
        Assert.Equal(ProblemCodes.RateLimited, await accountGuess.ProblemCodeAsync());
        Assert.True(accountGuess.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task APublicKeyAlreadyRegistered_CannotBeUploadedAgain_ByAnyAccountForAnyEnvironment()
    {
        await using var host = await PlatformHost.StartAsync();
        var first = await GatewayFixture.CreateAccountAsync(host);
        var second = await GatewayFixture.CreateAccountAsync(host);
        using var rsa = RsaPem.CreateKey();
        var publicKey = RsaPem.ExportPublicKey(rsa);
        var pkcs1 = rsa.ExportRSAPublicKeyPem(); // the same key in another PEM form

        var uploaded = await host.Management.PostAsJsonAsync($"/api/v1/accounts/{first}/keys", new { environment = "sandbox", publicKey });
        var againProduction = await host.Management.PostAsJsonAsync($"/api/v1/accounts/{first}/keys", new { environment = "production", publicKey });
        var otherAccount = await host.Management.PostAsJsonAsync($"/api/v1/accounts/{second}/keys", new { environment = "production", publicKey = pkcs1 });
        var fresh = await host.Management.PostAsJsonAsync($"/api/v1/accounts/{second}/keys",
            new { environment = "production", publicKey = RsaPem.ExportPublicKey(RsaPem.CreateKey()) });

        Assert.True(uploaded.IsSuccessStatusCode);
        foreach (var refused in new[] { againProduction, otherAccount })
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            var body = await refused.ReadNodeAsync();
            Assert.Equal(ProblemCodes.PublicKeyInUse, body["code"]!.GetValue<string>());
            Assert.Contains("already registered", body["message"]!.GetValue<string>());
        }

        Assert.True(fresh.IsSuccessStatusCode);
    }

    [Fact]
    public async Task AUrlLongerThan8KiB_IsAnswered414WithAProblemCode()
    {
        await using var host = await PlatformHost.StartAsync();

        var response = await Http.GetAsync(new Uri(host.SandboxGatewayUrl, Ping + "?pad=" + new string('a', 9 * 1024)));

        Assert.Equal(HttpStatusCode.RequestUriTooLong, response.StatusCode);
        var body = await response.ReadNodeAsync();
        Assert.Equal(ProblemCodes.RequestLineTooLong, body["code"]!.GetValue<string>());
        Assert.Contains("8 KiB", body["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task OnRefused_SeesTheRefusalCarriedByTheAuthenticationResult_AndMayWriteTheAnswerItself()
    {
        var seen = new List<string>();
        await using var host = await PlatformHost.StartAsync(configure: builder =>
            builder.Services.PostConfigure<GatewaySignatureOptions>(GatewaySignatureDefaults.AuthenticationScheme, o =>
                o.Events.OnRefused = async context =>
                {
                    lock (seen)
                    {
                        seen.Add(context.Code);
                    }

                    if (context.Request.Headers.ContainsKey("x-take-over"))
                    {
                        context.Response.StatusCode = StatusCodes.Status418ImATeapot;
                        await context.Response.WriteAsync($"custom {context.Code}");
                        context.HandleResponse();
                    }
                }));
        var key = await GatewayFixture.CreateKeyAsync(host, await GatewayFixture.CreateAccountAsync(host), GatewayEnvironment.Sandbox);

        using var takeOver = new HttpRequestMessage(HttpMethod.Get, new Uri(host.SandboxGatewayUrl, Ping));
        takeOver.Headers.Add(GatewayHeaders.ApiKey, key.ApiKey);
        takeOver.Headers.Add("x-take-over", "1");
        var taken = await Http.SendAsync(takeOver);
        var standard = await SendAsync(Http, host.SandboxGatewayUrl, key.ApiKey, "not-a-jwt");

        Assert.Equal((HttpStatusCode)StatusCodes.Status418ImATeapot, taken.StatusCode);
        Assert.Equal($"custom {ProblemCodes.MissingSignature}", await taken.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, standard.StatusCode);
        Assert.Equal(ProblemCodes.MalformedSignature, await standard.ProblemCodeAsync());
        Assert.Equal([ProblemCodes.MissingSignature, ProblemCodes.MalformedSignature], seen);
    }

    [Theory]
    [InlineData("Gateway:ClockSkewSeconds", "-5")]
    [InlineData("Gateway:ClockSkewSeconds", "3600")]
    [InlineData("Gateway:RateLimitPerSecond", "0")]
    [InlineData("Gateway:RateLimitBurst", "0")]
    [InlineData("FailureThrottle:Burst", "0")]
    public async Task ABadGatewaySetting_StopsTheStart_WithASentenceNamingTheKey(string setting, string value)
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() =>
            PlatformHost.StartAsync(StorageProvider.Sqlite, new Dictionary<string, string?> { [setting] = value }));

        // Every options type that reads the key says so; several at once arrive together.
        var failures = failure is AggregateException all ? all.InnerExceptions : [failure];
        Assert.All(failures, f => Assert.IsType<OptionsValidationException>(f));
        Assert.Contains(failures, f => f.Message.Contains(setting, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARegistryRefusal_HasNoResultsMember_SoItNeverLooksLikeAnEmptyRegistry()
    {
        await using var host = await PlatformHost.StartAsync();
        var key = await GatewayFixture.CreateKeyAsync(host, await GatewayFixture.CreateAccountAsync(host), GatewayEnvironment.Sandbox);

        var refused = await SendAsync(Http, host.SandboxGatewayUrl, key.ApiKey, "a.b.c", "/merchant-registry/v1/registry");
        var answered = await SendAsync(Http, host.SandboxGatewayUrl, key.ApiKey, key.Token(), "/merchant-registry/v1/registry");

        var refusal = (await refused.ReadNodeAsync()).AsObject();
        Assert.Equal(ProblemCodes.MalformedSignature, refusal["code"]!.GetValue<string>());
        Assert.False(refusal.ContainsKey("results"));
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.NotNull((await answered.ReadNodeAsync())["results"]);
    }

    [Fact]
    public async Task ManagementProblems_CarryTheMessageMemberToo()
    {
        await using var host = await PlatformHost.StartAsync();

        var missing = await host.Management.GetAsync("/api/v1/accounts/acc_doesnotexist/keys");
        var noRoute = await host.Management.GetAsync("/api/v1/nothing-here");

        foreach (var response in new[] { missing, noRoute })
        {
            var body = await response.ReadNodeAsync();
            Assert.NotNull(body["code"]);
            Assert.False(string.IsNullOrWhiteSpace(body["message"]?.GetValue<string>()));
        }
    }

    /// <summary>A well-formed token signed with another pair's private key: a bad signature, new each time.</summary>
    private static string Forged(TestKey signer) =>
        signer.Sign(new { alg = "RS256", typ = "JWT" }, new { exp = TestKey.Now + 300, n = Guid.NewGuid() });

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, Uri gateway, string apiKey, string token, string path = Ping)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, path));
        request.Headers.TryAddWithoutValidation(GatewayHeaders.ApiKey, apiKey);
        request.Headers.TryAddWithoutValidation(GatewayHeaders.Signature, token);
        return await client.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> GetAccountsAsync(HttpClient client, PlatformHost host, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(host.PortalUrl, "/api/v1/accounts"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request);
    }

    /// <summary>A client whose connections come from another loopback address: another instance, as the gateway sees it.</summary>
    private static HttpClient FromAddress(IPAddress local) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });
}

/// <summary>The exact rate limit, measured through real HTTP with nothing else running beside it.</summary>
[Collection(TimingCollection.Name)]
public sealed class GatewayRateLimitTests
{
    private const string Ping = "/merchant-registry/v1/ping";

    /// <summary>
    /// The sustained rate, measured over several seconds (alone, in the Timing collection: a busy machine must still be
    /// able to offer more than 1005 requests per second) with more requests offered than allowed, matches the setting:
    /// 5 and 15 per second were 10 before (whole tokens per 100 ms), 1005 was 1000.
    /// </summary>
    [Theory]
    [InlineData(5)]
    [InlineData(15)]
    [InlineData(1005)]
    public async Task SustainedRate_IsTheConfiguredOne(int perSecond)
    {
        await using var host = await PlatformHost.StartAsync(StorageProvider.Sqlite, new Dictionary<string, string?>
        {
            ["Gateway:RateLimitPerSecond"] = perSecond.ToString(),
            ["Gateway:RateLimitBurst"] = perSecond.ToString(),
        });
        var key = await GatewayFixture.CreateKeyAsync(host, await GatewayFixture.CreateAccountAsync(host), GatewayEnvironment.Sandbox);
        var token = key.Token();
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 });
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, host.SandboxGatewayUrl, key.ApiKey, token)).StatusCode);

        // Workers offer requests without pause for the window. Between the first refusal and the last one the bucket
        // is empty at both ends, so what was admitted in between is what refilled: the rate times that span. (Counting
        // from the first refusal makes the burst drop out; a stall of the client shorter than one second's worth of
        // burst loses nothing either, since the bucket keeps what it earns meanwhile.)
        var window = TimeSpan.FromSeconds(4);
        var outcomes = new List<(double At, bool Admitted)>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 32).Select(async _ =>
        {
            while (clock.Elapsed < window)
            {
                using var response = await SendAsync(client, host.SandboxGatewayUrl, key.ApiKey, token);
                var at = clock.Elapsed.TotalSeconds;
                lock (outcomes)
                {
                    outcomes.Add((at, response.StatusCode == HttpStatusCode.OK));
                }
            }
        }));

        var refusals = outcomes.Where(o => !o.Admitted).Select(o => o.At).ToList();
        Assert.True(refusals.Count >= 2, $"Only {outcomes.Count} requests were offered in {window.TotalSeconds} s: the limit was never reached.");
        var (from, to) = (refusals.Min(), refusals.Max());
        Assert.True(to - from >= 2, $"The limit was reached only between {from:0.00} s and {to:0.00} s: too short to measure a rate.");
        var admitted = outcomes.Count(o => o.Admitted && o.At > from && o.At <= to);
        Assert.InRange(admitted / (to - from), perSecond * 0.8, perSecond * 1.2);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, Uri gateway, string apiKey, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, Ping));
        request.Headers.TryAddWithoutValidation(GatewayHeaders.ApiKey, apiKey);
        request.Headers.TryAddWithoutValidation(GatewayHeaders.Signature, token);
        return await client.SendAsync(request);
    }
}

/// <summary>Tests that measure rates run alone, after the parallel ones, so the machine's other tests do not starve them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "Timing";
}
