using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using CommerceServices.Platform.Data;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Gateway;

/// <summary>The gateway's signed-request authentication, through real HTTP (DESIGN.md sections 3 and 4).</summary>
public sealed class GatewayAuthenticationTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const string Ping = "/merchant-registry/v1/ping";
    private static readonly HttpClient Http = new();

    /// <summary>One row per refusal: what is sent, to which gateway, and the code expected back.</summary>
    public sealed record Row(string Name, string Code, Func<GatewayFixture, (GatewayEnvironment Gateway, (string Name, string Value)[] Headers)> Build)
    {
        public override string ToString() => Name;
    }

    private static (GatewayEnvironment, (string, string)[]) Sandbox(params (string, string)[] headers) => (GatewayEnvironment.Sandbox, headers);

    private static (string, string) Key(string value) => (GatewayHeaders.ApiKey, value);

    private static (string, string) Sig(string value) => (GatewayHeaders.Signature, value);

    public static TheoryData<Row> Refusals => new()
    {
        new("no headers at all", ProblemCodes.MissingApiKey, _ => Sandbox()),
        new("empty API key", ProblemCodes.MissingApiKey, f => Sandbox(Key(""), Sig(f.Sandbox.Token()))),
        new("API key of another format", ProblemCodes.MalformedApiKey, f => Sandbox(Key("sk_live_123"), Sig(f.Sandbox.Token()))),
        new("API key with a typo", ProblemCodes.MalformedApiKey, f => Sandbox(Key(f.Sandbox.ApiKey[..^1] + (f.Sandbox.ApiKey[^1] == 'x' ? 'y' : 'x')), Sig(f.Sandbox.Token()))),
        new("truncated API key", ProblemCodes.MalformedApiKey, f => Sandbox(Key(f.Sandbox.ApiKey[..20]), Sig(f.Sandbox.Token()))),
        new("API key header of 4 KiB", ProblemCodes.MalformedApiKey, f => Sandbox(Key(new string('a', 4096)), Sig(f.Sandbox.Token()))),
        new("x-api-key and magento-api-key disagree", ProblemCodes.MalformedApiKey, f => Sandbox(Key(f.Sandbox.ApiKey),
            (GatewayHeaders.ApiKeyAlias, ApiKeyFormat.Generate(GatewayEnvironment.Sandbox)), Sig(f.Sandbox.Token()))),
        new("x-api-key sent twice", ProblemCodes.MalformedApiKey, f => Sandbox(Key(f.Sandbox.ApiKey), Key(f.Sandbox.ApiKey), Sig(f.Sandbox.Token()))),
        new("well-formed key no pair has", ProblemCodes.UnknownApiKey, f => Sandbox(Key(ApiKeyFormat.Generate(GatewayEnvironment.Sandbox)), Sig(f.Sandbox.Token()))),
        new("sandbox key on the production gateway", ProblemCodes.EnvironmentMismatch, f => (GatewayEnvironment.Production, [Key(f.Sandbox.ApiKey), Sig(f.Sandbox.Token())])),
        new("production key on the sandbox gateway", ProblemCodes.EnvironmentMismatch, f => Sandbox(Key(f.Production.ApiKey), Sig(f.Production.Token()))),
        new("no signature", ProblemCodes.MissingSignature, f => Sandbox(Key(f.Sandbox.ApiKey))),
        new("signature sent twice", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey), Sig(f.Sandbox.Token()), Sig(f.Sandbox.Token()))),
        new("JWT with 2 parts", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey), Sig(string.Join('.', f.Sandbox.Token().Split('.')[..2])))),
        new("JWT with 4 parts", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey), Sig(f.Sandbox.Token() + ".AAAA"))),
        new("not base64 at all", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey), Sig("!!!.@@@.###"))),
        new("header is not JSON", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey),
            Sig(f.Sandbox.SignRaw(TestKey.Base64Url("not json"u8.ToArray()), TestKey.Encode(new { exp = TestKey.Now + 60 }))))),
        new("payload is not JSON", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey),
            Sig(f.Sandbox.SignRaw(TestKey.Encode(new { alg = "RS256" }), TestKey.Base64Url("{\"exp\":"u8.ToArray()))))),
        // RFC 7519 §7.2: the header and the claims are UTF-8 JSON; a byte that is no UTF-8 is a broken token, not a claim.
        new("payload is JSON with a byte that is not UTF-8", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey),
            Sig(f.Sandbox.SignRaw(TestKey.Encode(new { alg = "RS256" }), TestKey.Base64Url(NotUtf8($"{{\"exp\":{TestKey.Now + 60},\"x\":\"\u00ff\"}}")))))),
        new("header is JSON with a byte that is not UTF-8", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey),
            Sig(f.Sandbox.SignRaw(TestKey.Base64Url(NotUtf8("{\"alg\":\"RS256\",\"kid\":\"\u00ff\"}")), TestKey.Encode(new { exp = TestKey.Now + 60 }))))),
        new("token of 16 KiB", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey),
            Sig(f.Sandbox.Sign(new { alg = "RS256" }, new { exp = TestKey.Now + 60, pad = new string('x', 16_000) })))),
        new("alg none, unsigned", ProblemCodes.UnsupportedAlgorithm, f => Sandbox(Key(f.Sandbox.ApiKey),
            Sig($"{TestKey.Encode(new { alg = "none" })}.{TestKey.Encode(new { exp = TestKey.Now + 60 })}."))),
        new("HS256 keyed with the public key", ProblemCodes.UnsupportedAlgorithm, f => Sandbox(Key(f.Sandbox.ApiKey), Sig(Hs256(f.Sandbox)))),
        new("RS512", ProblemCodes.UnsupportedAlgorithm, f => Sandbox(Key(f.Sandbox.ApiKey), Sig(f.Sandbox.Sign(new { alg = "RS512" }, new { exp = TestKey.Now + 60 })))),
        new("no alg", ProblemCodes.UnsupportedAlgorithm, f => Sandbox(Key(f.Sandbox.ApiKey), Sig(f.Sandbox.Sign(new { typ = "JWT" }, new { exp = TestKey.Now + 60 })))),
        new("signed with another private key", ProblemCodes.InvalidSignature, f => Sandbox(Key(f.Sandbox.ApiKey), Sig(f.Production.Token()))),
        new("payload changed after signing", ProblemCodes.InvalidSignature, f => Sandbox(Key(f.Sandbox.ApiKey), Sig(Tamper(f.Sandbox.Token())))),
        new("signature part not base64url", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey), Sig(f.Sandbox.Token()[..^10] + "!!!!!!!!!!"))),
        new("signature part in base64 with + and /", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey),
            Sig(f.Sandbox.Token()[..^4] + "+/+/"))),
        new("header part with = padding", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey),
            Sig(f.Sandbox.SignRaw(TestKey.Encode(new { alg = "RS256" }) + "==", TestKey.Encode(new { exp = TestKey.Now + 60 }))))),
        new("payload part with = padding", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey),
            Sig(f.Sandbox.SignRaw(TestKey.Encode(new { alg = "RS256" }), TestKey.Encode(new { exp = TestKey.Now + 60 }) + "=")))),
        new("header followed by a second JSON object", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey),
            Sig(f.Sandbox.SignRaw(TestKey.Base64Url("{\"alg\":\"RS256\"}{\"alg\":\"none\"}"u8.ToArray()), TestKey.Encode(new { exp = TestKey.Now + 60 }))))),
        new("payload followed by junk", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey),
            Sig(f.Sandbox.SignRaw(TestKey.Encode(new { alg = "RS256" }), TestKey.Base64Url(Encoding.UTF8.GetBytes($"{{\"exp\":{TestKey.Now + 60}}}junk")))))),
        new("payload that is a JSON array", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey),
            Sig(f.Sandbox.SignRaw(TestKey.Encode(new { alg = "RS256" }), TestKey.Base64Url("[1]"u8.ToArray()))))),
        new("header with alg twice", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey),
            Sig(f.Sandbox.SignRaw(TestKey.Base64Url("{\"alg\":\"RS256\",\"alg\":\"none\"}"u8.ToArray()), TestKey.Encode(new { exp = TestKey.Now + 60 }))))),
        new("unknown crit header parameter", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey),
            Sig(f.Sandbox.Sign(new { alg = "RS256", crit = new[] { "exp-ext" } }, new { exp = TestKey.Now + 60 })))),
        new("nbf as a string", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey),
            Sig(f.Sandbox.Sign(new { alg = "RS256" }, new { exp = TestKey.Now + 60, nbf = "0" })))),
        new("iat as a string", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey),
            Sig(f.Sandbox.Sign(new { alg = "RS256" }, new { exp = TestKey.Now + 60, iat = "now" })))),
        new("exp as a boolean", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey), Sig(f.Sandbox.Sign(new { alg = "RS256" }, new { exp = true })))),
        new("expired five minutes ago", ProblemCodes.TokenExpired, f => Sandbox(Key(f.Sandbox.ApiKey), Sig(f.Sandbox.Sign(new { alg = "RS256" }, new { exp = TestKey.Now - 300 })))),
        new("no exp", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey), Sig(f.Sandbox.Sign(new { alg = "RS256" }, new { iss = "magento" })))),
        new("exp as a string", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey), Sig(f.Sandbox.Sign(new { alg = "RS256" }, new { exp = "soon" })))),
        new("exp a huge number", ProblemCodes.MalformedSignature, f => Sandbox(Key(f.Sandbox.ApiKey),
            Sig(f.Sandbox.SignRaw(TestKey.Encode(new { alg = "RS256" }), TestKey.Base64Url("{\"exp\":1e300}"u8.ToArray()))))),
        new("exp an hour ahead", ProblemCodes.TokenLifetimeTooLong, f => Sandbox(Key(f.Sandbox.ApiKey), Sig(f.Sandbox.Sign(new { alg = "RS256" }, new { exp = TestKey.Now + 3600 })))),
        new("nbf four minutes ahead", ProblemCodes.TokenNotYetValid, f => Sandbox(Key(f.Sandbox.ApiKey),
            Sig(f.Sandbox.Sign(new { alg = "RS256" }, new { exp = TestKey.Now + 300, nbf = TestKey.Now + 240 })))),
        new("iat four minutes ahead", ProblemCodes.TokenNotYetValid, f => Sandbox(Key(f.Sandbox.ApiKey),
            Sig(f.Sandbox.Sign(new { alg = "RS256" }, new { exp = TestKey.Now + 300, iat = TestKey.Now + 240 })))),
    };

    /// <summary>The codes that are about time: their sentence names the gateway's clock and blames the instance's.</summary>
    private static readonly string[] ClockCodes = [ProblemCodes.TokenExpired, ProblemCodes.TokenNotYetValid, ProblemCodes.TokenLifetimeTooLong];

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Refusal_IsA401WithItsCodeAChallengeAndAMessage(Row row)
    {
        var (gateway, headers) = row.Build(fixture);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.GatewayOf(gateway), Ping));
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await response.ReadNodeAsync();
        Assert.Equal(row.Code, body["code"]!.GetValue<string>());
        Assert.Contains($"error=\"{row.Code}\"", response.Headers.WwwAuthenticate.ToString());
        // The Magento module shows and logs 'message'; it is the detail sentence, never empty.
        var message = body["message"]!.GetValue<string>();
        Assert.False(string.IsNullOrWhiteSpace(message));
        Assert.Equal(body["detail"]!.GetValue<string>(), message);
        if (ClockCodes.Contains(row.Code))
        {
            Assert.Matches(@"gateway's clock reads \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", message);
            Assert.Contains("clock is probably off", message);
        }
    }

    [Fact]
    public async Task ValidCall_ReturnsTheVerifiedIdentity()
    {
        var response = await SendAsync(GatewayEnvironment.Sandbox, fixture.Sandbox.ApiKey, fixture.Sandbox.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadNodeAsync();
        Assert.Equal(fixture.AccountId, body["accountId"]!.GetValue<string>());
        Assert.Equal("sandbox", body["environment"]!.GetValue<string>());
        Assert.Equal(fixture.Sandbox.ApiKey, body["apiKey"]!.GetValue<string>());
    }

    [Fact]
    public async Task ProductionKey_WorksOnTheProductionGateway()
    {
        var response = await SendAsync(GatewayEnvironment.Production, fixture.Production.ApiKey, fixture.Production.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("production", (await response.ReadNodeAsync())["environment"]!.GetValue<string>());
    }

    [Fact]
    public async Task TokenExpiredWithinTheClockSkew_IsStillAccepted()
    {
        var token = fixture.Sandbox.Sign(new { alg = "RS256" }, new { exp = TestKey.Now - 30 });

        var response = await SendAsync(GatewayEnvironment.Sandbox, fixture.Sandbox.ApiKey, token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task OneToken_IsReusableUntilItExpires()
    {
        var token = fixture.Sandbox.Token(TimeSpan.FromMinutes(4));

        var statuses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => SendAsync(GatewayEnvironment.Sandbox, fixture.Sandbox.ApiKey, token)));

        Assert.All(statuses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
    }

    /// <summary>
    /// A request built exactly as the existing Magento Services Connector module builds it, signed by an independent
    /// implementation: openssl over the base64url header.payload.
    /// </summary>
    [Fact]
    public async Task RequestBuiltLikeTheMagentoModuleAndSignedByOpenssl_IsAccepted()
    {
        var response = await SendLikeTheMagentoModuleAsync(clockAhead: TimeSpan.Zero);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task MagentoModuleWhoseClockIs90SecondsAhead_IsAccepted()
    {
        var response = await SendLikeTheMagentoModuleAsync(clockAhead: TimeSpan.FromSeconds(90));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task MagentoModuleWhoseClockIs5MinutesAhead_IsRefusedWithASentenceAboutItsClock()
    {
        var before = DateTimeOffset.UtcNow;

        var response = await SendLikeTheMagentoModuleAsync(clockAhead: TimeSpan.FromMinutes(5));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await response.ReadNodeAsync();
        Assert.Equal(ProblemCodes.TokenLifetimeTooLong, body["code"]!.GetValue<string>());
        var message = body["message"]!.GetValue<string>();
        Assert.Contains("clock is probably off", message);
        var clock = System.Text.RegularExpressions.Regex.Match(message, @"gateway's clock reads (\S+Z)").Groups[1].Value;
        Assert.InRange(DateTimeOffset.Parse(clock, System.Globalization.CultureInfo.InvariantCulture), before.AddSeconds(-1), DateTimeOffset.UtcNow);
        Assert.Matches(@"about (29[5-9]|30[0-5]) s ahead", message); // the module signs exp = now + 300: the rest is its clock
    }

    /// <summary>
    /// What the module sends, as it builds it: fixed iss/sub/aud and an IMS claim, exp = its clock + 300, no iat, both
    /// API key headers and an empty environment id; signed by openssl, an implementation independent of ours.
    /// </summary>
    private async Task<HttpResponseMessage> SendLikeTheMagentoModuleAsync(TimeSpan clockAhead)
    {
        var folder = Directory.CreateTempSubdirectory("cs-openssl-").FullName;
        var keyFile = Path.Combine(folder, "private.pem");
        await File.WriteAllTextAsync(keyFile, fixture.Sandbox.PrivateKeyPem);
        var header = TestKey.Base64Url("{\"typ\":\"JWT\",\"alg\":\"RS256\"}"u8.ToArray());
        var payload = TestKey.Base64Url(Encoding.UTF8.GetBytes(
            $"{{\"exp\":{TestKey.Now + (long)clockAhead.TotalSeconds + 300},\"iss\":\"Magento\",\"sub\":\"magento-services\",\"aud\":\"https://commerce.adobe.io\"," +
            "\"https://ims-na1.adobelogin.com/s/ent_reactor_admin_sdk\":true}"));

        var signature = TestKey.Base64Url(await OpensslSignAsync(keyFile, $"{header}.{payload}"));
        Directory.Delete(folder, true);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Host.SandboxGatewayUrl, Ping));
        request.Headers.Add("magento-api-key", fixture.Sandbox.ApiKey);
        request.Headers.Add("x-api-key", fixture.Sandbox.ApiKey);
        request.Headers.Add("x-gw-signature", $"{header}.{payload}.{signature}");
        request.Headers.Add("Magento-Environment-Id", "");
        return await Http.SendAsync(request);
    }

    [Fact]
    public async Task MagentoApiKeyAlone_IsAccepted()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Host.SandboxGatewayUrl, Ping));
        request.Headers.Add(GatewayHeaders.ApiKeyAlias, fixture.Sandbox.ApiKey);
        request.Headers.Add(GatewayHeaders.Signature, fixture.Sandbox.Token());

        Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task RevokedKey_IsRefusedOnTheNextRequest_EvenWithATokenAlreadyVerified()
    {
        var key = await GatewayFixture.CreateKeyAsync(fixture.Host, await GatewayFixture.CreateAccountAsync(fixture.Host), GatewayEnvironment.Production);
        var token = key.Token();
        var account = (await (await SendAsync(GatewayEnvironment.Production, key.ApiKey, token)).ReadNodeAsync())["accountId"]!.GetValue<string>();

        (await fixture.Host.Management.DeleteAsync($"/api/v1/accounts/{account}/keys/{key.ApiKey}")).EnsureSuccessStatusCode();
        var response = await SendAsync(GatewayEnvironment.Production, key.ApiKey, token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ProblemCodes.RevokedApiKey, await response.ProblemCodeAsync());
    }

    [Fact]
    public async Task ReplacedKey_IsRefused_AndRolledKeyWorksUntilItsGraceEnds()
    {
        var account = await GatewayFixture.CreateAccountAsync(fixture.Host);
        var first = await GatewayFixture.CreateKeyAsync(fixture.Host, account, GatewayEnvironment.Sandbox);
        var second = await GatewayFixture.CreateKeyAsync(fixture.Host, account, GatewayEnvironment.Sandbox);
        Assert.Equal(ProblemCodes.RevokedApiKey, await (await SendAsync(GatewayEnvironment.Sandbox, first.ApiKey, first.Token())).ProblemCodeAsync());

        (await fixture.Host.Management.PostAsJsonAsync($"/api/v1/accounts/{account}/keys/roll",
            new { environment = "sandbox", graceSeconds = 2 })).EnsureSuccessStatusCode();
        var token = second.Token();
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(GatewayEnvironment.Sandbox, second.ApiKey, token)).StatusCode);

        await Task.Delay(TimeSpan.FromSeconds(2.3));

        var after = await SendAsync(GatewayEnvironment.Sandbox, second.ApiKey, token);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal(ProblemCodes.RevokedApiKey, await after.ProblemCodeAsync());
    }

    [Fact]
    public async Task LastUse_IsRecordedWithoutAWritePerRequest()
    {
        var probe = new Data.DatabaseProbe
        {
            Counts = sql => sql.Contains("UPDATE", StringComparison.OrdinalIgnoreCase) && sql.Contains("LastUsedAt", StringComparison.Ordinal),
        };
        // Flushed by this test only: the timer would flush in an hour.
        await using var host = await PlatformHost.StartAsync(StorageProvider.Sqlite,
            new Dictionary<string, string?> { ["Gateway:LastUseFlushSeconds"] = "3600" }, services: probe.AddTo);
        var account = await GatewayFixture.CreateAccountAsync(host);
        var key = await GatewayFixture.CreateKeyAsync(host, account, GatewayEnvironment.Sandbox);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var token = key.Token();

        for (var i = 0; i < 20; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(host.SandboxGatewayUrl, Ping));
            request.Headers.Add(GatewayHeaders.ApiKey, key.ApiKey);
            request.Headers.Add(GatewayHeaders.Signature, token);
            (await Http.SendAsync(request)).EnsureSuccessStatusCode();
        }

        var writesDuringRequests = probe.Count;
        await host.Services.GetRequiredService<Platform.Gateway.Authentication.LastUseRecorder>().FlushAsync(CancellationToken.None);

        Assert.Equal(0, writesDuringRequests);
        Assert.Equal(1, probe.Count); // twenty requests, one key: one write
        var keys = (await (await host.Management.GetAsync($"/api/v1/accounts/{account}/keys")).ReadNodeAsync()).AsArray();
        var lastUsed = keys.Single(k => k!["apiKey"]!.GetValue<string>() == key.ApiKey)!["lastUsedAt"]!.GetValue<DateTimeOffset>();
        Assert.InRange(lastUsed, before, DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task RateLimit_Answers429WithRetryAfter()
    {
        await using var host = await PlatformHost.StartAsync(StorageProvider.Sqlite, new Dictionary<string, string?>
        {
            ["Gateway:RateLimitPerSecond"] = "1",
            ["Gateway:RateLimitBurst"] = "3",
        });
        var key = await GatewayFixture.CreateKeyAsync(host, await GatewayFixture.CreateAccountAsync(host), GatewayEnvironment.Sandbox);
        var token = key.Token();

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(host.SandboxGatewayUrl, Ping));
            request.Headers.Add(GatewayHeaders.ApiKey, key.ApiKey);
            request.Headers.Add(GatewayHeaders.Signature, token);
            responses.Add(await Http.SendAsync(request));
        }

        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.Equal(ProblemCodes.RateLimited, await limited[0].ProblemCodeAsync());
        Assert.True(limited[0].Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task FuzzedHeaders_NeverProduceA5xx_AndTheGatewayKeepsAnswering()
    {
        var random = new Random(20261121);
        var validToken = fixture.Sandbox.Token();
        var statuses = new List<int>();
        for (var i = 0; i < 150; i++)
        {
            var apiKey = i % 3 == 0 ? fixture.Sandbox.ApiKey : Garbage(random, random.Next(0, 300));
            var token = (i % 4) switch
            {
                0 => Mutate(random, validToken),
                1 => Garbage(random, random.Next(0, 3000)),
                2 => string.Join('.', Enumerable.Range(0, random.Next(0, 6)).Select(_ => Garbage(random, random.Next(0, 50)))),
                _ => validToken[..random.Next(0, validToken.Length)],
            };
            statuses.Add(await RawRequestAsync(fixture.Host.SandboxGatewayUrl, [
                $"x-api-key: {apiKey}", $"x-gw-signature: {token}", $"{(i % 2 == 0 ? "magento-api-key" : "x-data-space-id")}: {Garbage(random, 20)}"]));
        }

        Assert.False(statuses.Any(s => s >= 500 || s == 0),
            string.Join('\n', fixture.Host.Logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal))));
        Assert.Contains(statuses, s => s == 400);
        Assert.Contains(statuses, s => s == 401);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(GatewayEnvironment.Sandbox, fixture.Sandbox.ApiKey, validToken)).StatusCode);
    }

    private async Task<HttpResponseMessage> SendAsync(GatewayEnvironment gateway, string apiKey, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.GatewayOf(gateway), Ping));
        request.Headers.TryAddWithoutValidation(GatewayHeaders.ApiKey, apiKey);
        request.Headers.TryAddWithoutValidation(GatewayHeaders.Signature, token);
        return await Http.SendAsync(request);
    }

    /// <summary>The text in Latin-1: every character above U+007F becomes one byte that UTF-8 never starts a character with alone.</summary>
    private static byte[] NotUtf8(string text) => Encoding.Latin1.GetBytes(text);

    private static string Hs256(TestKey key)
    {
        var header = TestKey.Encode(new { alg = "HS256", typ = "JWT" });
        var payload = TestKey.Encode(new { exp = TestKey.Now + 60 });
        var secret = Encoding.ASCII.GetBytes(key.PrivateKey.ExportSubjectPublicKeyInfoPem());
        return $"{header}.{payload}.{TestKey.Base64Url(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes($"{header}.{payload}")))}";
    }

    private static string Tamper(string token)
    {
        var parts = token.Split('.');
        parts[1] = TestKey.Encode(new { exp = TestKey.Now + 299, admin = true });
        return string.Join('.', parts);
    }

    private static string Garbage(Random random, int length)
    {
        // Half the time printable ASCII (reaches the authentication handler), half the time with high bytes too
        // (Kestrel's own header parsing); never CR or LF.
        var top = random.Next(2) == 0 ? 0x7F : 0xFF;
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = (char)random.Next(0x20, top);
        }

        return new string(chars);
    }

    private static string Mutate(Random random, string token)
    {
        var chars = token.ToCharArray();
        for (var n = random.Next(1, 5); n > 0; n--)
        {
            chars[random.Next(chars.Length)] = (char)random.Next(0x21, 0x7F);
        }

        return new string(chars);
    }

    /// <summary>Sends bytes HttpClient would refuse to send, over a raw socket, and returns the status (0: no answer).</summary>
    private static async Task<int> RawRequestAsync(Uri gateway, string[] headers)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(gateway.Host, gateway.Port);
        var stream = client.GetStream();
        var request = $"GET {Ping} HTTP/1.1\r\nHost: {gateway.Authority}\r\nConnection: close\r\n{string.Join("\r\n", headers)}\r\n\r\n";
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.Latin1);
        var statusLine = await reader.ReadLineAsync();
        return statusLine is not null && statusLine.Split(' ') is [_, var code, ..] && int.TryParse(code, out var status) ? status : 0;
    }

    private static async Task<byte[]> OpensslSignAsync(string keyFile, string input)
    {
        var start = new ProcessStartInfo("openssl", ["dgst", "-sha256", "-sign", keyFile])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.BaseStream.WriteAsync(Encoding.ASCII.GetBytes(input));
        process.StandardInput.Close();
        using var output = new MemoryStream();
        await process.StandardOutput.BaseStream.CopyToAsync(output);
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync());
        return output.ToArray();
    }
}
