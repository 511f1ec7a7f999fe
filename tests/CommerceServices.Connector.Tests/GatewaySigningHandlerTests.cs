using System.Collections.Concurrent;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;

namespace CommerceServices.Connector.Tests;

/// <summary>The signing handler: one token shared by concurrent calls, renewed shortly before it expires, once.</summary>
public sealed class GatewaySigningHandlerTests(ConnectorFixture platform) : IClassFixture<ConnectorFixture>, IDisposable
{
    private readonly TempStore _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task TwoHundredConcurrentCalls_AreAllAccepted_AndShareOneSignature()
    {
        var account = await platform.NewAccountAsync();
        var (apiKey, privateKey) = await platform.NewKeyAsync(account, GatewayEnvironment.Sandbox);
        var dataSpace = await platform.NewDataSpaceAsync(account, "testing");
        var seen = new ConcurrentBag<(string? ApiKey, string? Signature, string? DataSpace)>();
        await using var test = platform.NewConnector(_temp.Store,
            signedClient: builder => builder.AddHttpMessageHandler(() => new RecordingHandler(seen)));
        Assert.True((await test.Connector.ConfigureAsync(new ConnectorChange
            { Environment = GatewayEnvironment.Sandbox, ApiKey = apiKey, PrivateKeyPem = privateKey, DataSpaceId = dataSpace })).Success);
        var credentials = test.Connector.State.ActiveCredentials()!;
        var before = credentials.SignatureCount;

        var client = test.SignedClient;
        var ping = new Uri(platform.Host.SandboxGatewayUrl, "merchant-registry/v1/ping");
        using var start = new ManualResetEventSlim();
        var calls = Enumerable.Range(0, 200).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            using var response = await client.GetAsync(ping);
            return (int)response.StatusCode;
        })).ToList();
        start.Set();
        var statuses = await Task.WhenAll(calls);

        Assert.All(statuses, status => Assert.Equal(200, status));
        Assert.Equal(200, seen.Count);
        Assert.Single(seen.Select(s => s.Signature).Distinct());
        Assert.All(seen, s => Assert.Equal(apiKey, s.ApiKey));
        Assert.All(seen, s => Assert.Equal(dataSpace, s.DataSpace));
        Assert.True(credentials.SignatureCount - before <= 1, $"{credentials.SignatureCount - before} signatures for 200 calls");
    }

    [Fact]
    public void AToken_IsReusedUntilAMinuteBeforeItExpires_ThenSignedAgainOnce()
    {
        using var rsa = RsaPem.CreateKey();
        var clock = new ShiftedTimeProvider(TimeSpan.Zero) { Fixed = DateTimeOffset.UtcNow };
        var credentials = GatewayCredentials.Create(GatewayEnvironment.Sandbox,
            new EnvironmentKeys(ApiKeyFormat.Generate(GatewayEnvironment.Sandbox), rsa.ExportPkcs8PrivateKeyPem()), clock).Credentials!;
        var start = clock.Fixed.Value;

        var first = credentials.GetToken();
        clock.Fixed = start + TimeSpan.FromMinutes(3.9);
        var stillFirst = credentials.GetToken();
        clock.Fixed = start + TimeSpan.FromMinutes(4) + TimeSpan.FromSeconds(1);
        var second = Enumerable.Range(0, 50).AsParallel().Select(_ => credentials.GetToken()).Distinct().ToList();

        Assert.Equal(first, stillFirst);
        var renewed = Assert.Single(second);
        Assert.NotEqual(first, renewed);
        Assert.Equal(2, credentials.SignatureCount);
    }

    [Fact]
    public async Task ASignedCall_WithoutKeys_FailsWithASentenceSayingTheConnectorIsNotConfigured()
    {
        await using var test = platform.NewConnector(_temp.Store);

        var e = await Assert.ThrowsAsync<CommerceServicesNotConfiguredException>(
            () => test.SignedClient.GetAsync(new Uri(platform.Host.SandboxGatewayUrl, "merchant-registry/v1/ping")));

        Assert.Contains("no usable sandbox key pair", e.Message, StringComparison.Ordinal);
    }

    private sealed class RecordingHandler(ConcurrentBag<(string?, string?, string?)> seen) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            seen.Add((Header(request, GatewayHeaders.ApiKey), Header(request, GatewayHeaders.Signature), Header(request, GatewayHeaders.DataSpaceId)));
            return base.SendAsync(request, cancellationToken);
        }

        private static string? Header(HttpRequestMessage request, string name) =>
            request.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
    }
}
