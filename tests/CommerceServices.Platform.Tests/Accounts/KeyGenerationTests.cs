using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using CommerceServices.Platform.Accounts.KeyGeneration;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Tests.Gateway;
using CommerceServices.Platform.Tests.Portal;
using CommerceServices.Protocol;
using CommerceServices.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CommerceServices.Platform.Tests.Accounts;

/// <summary>
/// Platform-made key pairs are limited per account (429 with Retry-After, in the API and on the portal page),
/// uploads are not, and the generation runs on its own threads behind a bounded queue, so gateway calls go on while
/// keys are being made and a full queue refuses at once (503).
/// </summary>
public sealed class KeyGenerationTests
{
    private const int Burst = 3;

    private static Task<PlatformHost> StartWithLimitAsync(Action<IServiceCollection>? services = null,
        IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Keys:GenerationBurst"] = Burst.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Keys:GenerationsPerMinute"] = "1",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return PlatformHost.StartAsync(StorageProvider.Sqlite, settings, services: services);
    }

    [Fact]
    public async Task TheLimit_RefusesTheNextGenerationOfOneAccount_WithRetryAfter_WhileAnotherAccountStillCan()
    {
        await using var host = await StartWithLimitAsync();
        var limited = await GatewayFixture.CreateAccountAsync(host);
        var other = await GatewayFixture.CreateAccountAsync(host);

        // Create and roll spend from the same allowance; the operator's token is limited per target account too.
        for (var i = 0; i < Burst - 1; i++)
        {
            using var created = await host.Management.PostJsonAsync($"/api/v1/accounts/{limited}/keys", new { environment = "sandbox" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using var rolled = await host.Management.PostJsonAsync($"/api/v1/accounts/{limited}/keys/roll", new { environment = "sandbox", graceSeconds = 60 });
        Assert.Equal(HttpStatusCode.Created, rolled.StatusCode);

        using var refused = await host.Management.PostJsonAsync($"/api/v1/accounts/{limited}/keys", new { environment = "production" });
        using var refusedRoll = await host.Management.PostJsonAsync($"/api/v1/accounts/{limited}/keys/roll", new { environment = "sandbox", graceSeconds = 60 });
        using var otherAccount = await host.Management.PostJsonAsync($"/api/v1/accounts/{other}/keys", new { environment = "sandbox" });

        foreach (var response in new[] { refused, refusedRoll })
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(ProblemCodes.RateLimited, (await response.ReadNodeAsync())["code"]!.GetValue<string>());
            // One a minute: the next one is a good while away, and Retry-After says so in whole seconds.
            Assert.InRange(response.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        }

        Assert.Equal(HttpStatusCode.Created, otherAccount.StatusCode);
        var keys = await host.Management.GetFromJsonAsync<List<System.Text.Json.Nodes.JsonObject>>($"/api/v1/accounts/{limited}/keys");
        Assert.Equal(Burst, keys!.Count); // nothing was made for the refused calls
    }

    [Fact]
    public async Task UploadsOfAPublicKey_AreNotLimited_AndSpendNothingOfTheGenerationAllowance()
    {
        await using var host = await StartWithLimitAsync();
        var account = await GatewayFixture.CreateAccountAsync(host);

        for (var i = 0; i < Burst * 2; i++)
        {
            using var rsa = RSA.Create(2048);
            using var uploaded = await host.Management.PostJsonAsync($"/api/v1/accounts/{account}/keys",
                new { environment = "sandbox", publicKey = rsa.ExportSubjectPublicKeyInfoPem() });
            Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        }

        for (var i = 0; i < Burst; i++)
        {
            using var created = await host.Management.PostJsonAsync($"/api/v1/accounts/{account}/keys", new { environment = "production" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
    }

    [Fact]
    public async Task ThePortal_ShowsTheLimitOnThePage_WithTheStatusAndRetryAfterOfTheApi()
    {
        await using var host = await StartWithLimitAsync();
        var (_, email, password) = await PortalSession.NewUserAsync(host);
        using var session = new PortalSession(host);
        await session.SignInAsync(email, password);
        var create = new Dictionary<string, string> { ["environment"] = "sandbox", ["confirm"] = "true" };

        for (var i = 0; i < Burst; i++)
        {
            using var created = await session.PostFormAsync("/keys", "/keys?handler=Create", create);
            Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        }

        using var refused = await session.PostFormAsync("/keys", "/keys?handler=Create", create);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("text/html", refused.Content.Headers.ContentType?.MediaType);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        var page = await refused.Content.ReadAsStringAsync();
        Assert.Contains("more new key pairs than its limit allows", page, StringComparison.Ordinal);
        Assert.Contains("Uploading a public key", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhileKeysAreBeingMade_GatewayCallsGoOn_AFullQueueRefusesAtOnce_AndAGoneClientsKeyIsNeverMade()
    {
        const int queueLength = 4;
        var source = new GatedKeySource();
        await using var host = await StartWithLimitAsync(s => s.AddSingleton<RsaKeySource>(source), new Dictionary<string, string?>
        {
            ["Keys:GenerationThreads"] = "1",
            ["Keys:GenerationQueueLength"] = queueLength.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var generator = host.Services.GetRequiredService<RsaKeyGenerator>();
        var gatewayAccount = await GatewayFixture.CreateAccountAsync(host);
        var pingKey = await GatewayFixture.CreateKeyAsync(host, gatewayAccount, GatewayEnvironment.Sandbox); // gate still open
        var generatedBefore = generator.Generated;

        source.Close();
        // One generation holds the only thread; then the queue fills, one of its requests from a client that gives up.
        var running = CreateForNewAccountAsync(host);
        await WaitUntilAsync(() => source.Started == 2, "the held generation to start");
        var queued = new List<Task<(string Account, HttpResponseMessage Response)>>();
        for (var i = 0; i < queueLength - 1; i++)
        {
            queued.Add(CreateForNewAccountAsync(host));
        }

        using var giveUp = new CancellationTokenSource();
        var goneAccount = await GatewayFixture.CreateAccountAsync(host);
        var gone = host.Management.PostAsJsonAsync($"/api/v1/accounts/{goneAccount}/keys", new { environment = "sandbox" }, giveUp.Token);
        await WaitUntilAsync(() => generator.Waiting == queueLength, "the queue to fill");

        var (busyAccount, busy) = await CreateForNewAccountAsync(host);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
        Assert.Equal(ProblemCodes.KeyGenerationBusy, (await busy.ReadNodeAsync())["code"]!.GetValue<string>());
        Assert.True(busy.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        using (var rsa = RSA.Create(2048))
        {
            using var uploaded = await host.Management.PostJsonAsync($"/api/v1/accounts/{busyAccount}/keys",
                new { environment = "sandbox", publicKey = rsa.ExportSubjectPublicKeyInfoPem() });
            Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode); // an upload needs no generator
        }

        // Five requests wait for keys; the gateway answers every call meanwhile, signed or anonymous.
        for (var round = 0; round < 10; round++)
        {
            var calls = Enumerable.Range(0, 20).Select(async i =>
            {
                if (i % 4 == 0)
                {
                    using var anonymous = await host.Management.GetAsync(new Uri(host.SandboxGatewayUrl, "/merchant-registry/v1/gateway"));
                    return anonymous.StatusCode;
                }

                using var ping = await GatewayFixture.SendSignedAsync(host, pingKey, HttpMethod.Get, "/merchant-registry/v1/ping");
                return ping.StatusCode;
            });
            Assert.All(await Task.WhenAll(calls), status => Assert.Equal(HttpStatusCode.OK, status));
        }

        Assert.False(running.IsCompleted);
        Assert.DoesNotContain(queued, q => q.IsCompleted);

        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gone);
        await WaitUntilAsync(() => generator.Abandoned == 1, "the platform to see the client go");

        source.Open();
        foreach (var (account, response) in await Task.WhenAll(queued.Prepend(running)))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var body = await response.ReadNodeAsync();
            Assert.StartsWith(CommerceServices.Protocol.Keys.RsaPem.Pkcs8PrivateKeyBegin, body["privateKey"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Single((await host.Management.GetFromJsonAsync<List<System.Text.Json.Nodes.JsonObject>>($"/api/v1/accounts/{account}/keys"))!);
            response.Dispose();
        }

        await WaitUntilAsync(() => generator.Waiting == 0 && generator.Running == 0, "the queue to drain");
        Assert.Equal(generatedBefore + queueLength, generator.Generated); // the gone client's key was never made
        Assert.Empty((await host.Management.GetFromJsonAsync<List<System.Text.Json.Nodes.JsonObject>>($"/api/v1/accounts/{goneAccount}/keys"))!);
        Assert.False(source.RanOnAPoolThread, "RSA keys must be made on the generator's own threads, never on pool threads.");
    }

    private static async Task<(string Account, HttpResponseMessage Response)> CreateForNewAccountAsync(PlatformHost host)
    {
        var account = await GatewayFixture.CreateAccountAsync(host);
        return (account, await host.Management.PostJsonAsync($"/api/v1/accounts/{account}/keys", new { environment = "sandbox" }));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        for (var waited = TimeSpan.Zero; waited < TimeSpan.FromSeconds(30); waited += TimeSpan.FromMilliseconds(20))
        {
            if (condition())
            {
                return;
            }

            await Task.Delay(20);
        }

        Assert.Fail($"Waited 30 seconds for {what}.");
    }

    /// <summary>Real RSA keys, held at a gate the test opens, so the queue can be filled without depending on timing.</summary>
    private sealed class GatedKeySource : RsaKeySource
    {
        private readonly ManualResetEventSlim _gate = new(initialState: true);
        private int _started;
        private volatile bool _ranOnAPoolThread;

        public int Started => Volatile.Read(ref _started);

        public bool RanOnAPoolThread => _ranOnAPoolThread;

        public void Close() => _gate.Reset();

        public void Open() => _gate.Set();

        public override RSA Create()
        {
            Interlocked.Increment(ref _started);
            _ranOnAPoolThread |= Thread.CurrentThread.IsThreadPoolThread;
            _gate.Wait(TimeSpan.FromSeconds(60));
            return base.Create();
        }
    }
}
