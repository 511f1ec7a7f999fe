using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Tests.Scaling;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Services;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Services;

/// <summary>
/// A service is registered in the configuration (read at start) or through the management API, and is forwarded to
/// without a restart; on PostgreSQL, a registration made on one node reaches the others. (The CLI: Cli.Tests.)
/// </summary>
public sealed class ServiceRegistrationTests(ServiceRegistrationTests.SharedPlatform shared) : IClassFixture<ServiceRegistrationTests.SharedPlatform>
{
    [Fact]
    public async Task AServiceInTheConfiguration_IsForwardedTo_ListedAsConfigured_AndCannotBeChangedThroughTheApi()
    {
        var folder = Directory.CreateTempSubdirectory("cs-config-services-").FullName;
        var port = ServiceProcess.FreePort();
        await using var platform = await PlatformProcess.StartAsync(folder, new Dictionary<string, string?>
        {
            ["Services:configured:Name"] = "Configured",
            ["Services:configured:PathPrefix"] = "/configured/v1",
            ["Services:configured:Upstreams"] = $"http://127.0.0.1:{port}",
            ["Services:configured:DataSpace"] = "none",
            ["Services:configured:Environments:0"] = "sandbox",
        });
        await using var upstream = await RecordingUpstream.StartAsync(platform.PortalUrl, "configured", port: port);
        var merchant = await ServicesTestKit.MerchantAsync(platform, "configured");

        using var call = await ServicesTestKit.CallAsync(platform, merchant.Sandbox, HttpMethod.Get, "/configured/v1/echo");
        var listed = await (await platform.Management.GetAsync("/api/v1/services/configured")).ReadNodeAsync();
        using var change = await platform.Management.PutAsJsonAsync("/api/v1/services/configured",
            new ServiceRegistration("configured", "Changed", "/configured/v1", [$"http://127.0.0.1:{port}"]));
        using var remove = await platform.Management.DeleteAsync("/api/v1/services/configured");
        using var removePayments = await platform.Management.DeleteAsync("/api/v1/services/payments");

        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        Assert.True(Assert.Single(upstream.Requests).Authenticated);
        Assert.Equal(ServiceOrigins.Configuration, listed["origin"]!.GetValue<string>());
        Assert.Equal(["sandbox"], listed["environments"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal(ProblemCodes.ServiceReadOnly, await change.ProblemCodeAsync());
        Assert.Contains("Services:configured", (await remove.ReadNodeAsync())["detail"]!.GetValue<string>());
        Assert.Equal(ProblemCodes.ServiceReadOnly, await removePayments.ProblemCodeAsync());
    }

    [Fact]
    public async Task AServiceConfiguredWrong_StopsTheStart_WithASentenceNamingIt()
    {
        var folder = Directory.CreateTempSubdirectory("cs-config-wrong-").FullName;
        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => PlatformProcess.StartAsync(folder, new Dictionary<string, string?>
        {
            ["Services:broken:Name"] = "Broken",
            ["Services:broken:PathPrefix"] = "/merchant-registry/v2",
            ["Services:broken:Upstreams:0"] = "http://127.0.0.1:9",
        }));

        Assert.Contains("Services:broken: 'pathPrefix' /merchant-registry/v2 overlaps /merchant-registry", failed.Message);
    }

    [Fact]
    public async Task TheManagementApi_RegistersChangesAndRemovesAService_WithoutARestart()
    {
        var folder = Directory.CreateTempSubdirectory("cs-api-services-").FullName;
        await using var platform = await PlatformProcess.StartAsync(folder, new Dictionary<string, string?>());
        await using var first = await RecordingUpstream.StartAsync(platform.PortalUrl, "reviews");
        await using var second = await RecordingUpstream.StartAsync(platform.PortalUrl, "reviews");
        var registration = new ServiceRegistration("reviews", "Reviews", "/reviews/v1", [first.Url.AbsoluteUri], DataSpaceModes.Optional);

        using var created = await platform.Management.PostAsJsonAsync("/api/v1/services", registration);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var merchant = await ServicesTestKit.MerchantAsync(platform, "reviews");
        using var toFirst = await ServicesTestKit.CallAsync(platform, merchant.Sandbox, HttpMethod.Get, "/reviews/v1/items");

        using var changed = await platform.Management.PutAsJsonAsync("/api/v1/services/reviews", registration with { Upstreams = [second.Url.AbsoluteUri] });
        using var toSecond = await ServicesTestKit.CallAsync(platform, merchant.Sandbox, HttpMethod.Get, "/reviews/v1/items");

        using var removed = await platform.Management.DeleteAsync("/api/v1/services/reviews");
        using var afterRemoval = await ServicesTestKit.CallAsync(platform, merchant.Sandbox, HttpMethod.Get, "/reviews/v1/items");
        var account = await (await platform.Management.GetAsync($"/api/v1/accounts/{merchant.Account}")).ReadNodeAsync();

        Assert.Equal(HttpStatusCode.OK, toFirst.StatusCode);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, toSecond.StatusCode);
        Assert.Single(first.Requests);
        Assert.Single(second.Requests);
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal(ProblemCodes.NotFound, await afterRemoval.ProblemCodeAsync());
        Assert.Equal(["payments"], account["entitlements"]!.AsArray().Select(e => e!.GetValue<string>()));
    }

    [Theory]
    [InlineData("""{"id":"Bad Id","name":"x","pathPrefix":"/x/v1","upstreams":["http://127.0.0.1:1"]}""", "'id' must be 1 to 40 characters")]
    [InlineData("""{"id":"x","name":"","pathPrefix":"/x/v1","upstreams":["http://127.0.0.1:1"]}""", "'name' must be 1 to 100 characters")]
    [InlineData("""{"id":"x","name":"X","pathPrefix":"x/v1","upstreams":["http://127.0.0.1:1"]}""", "'pathPrefix' must be a path")]
    [InlineData("""{"id":"x","name":"X","pathPrefix":"/x/v1/","upstreams":["http://127.0.0.1:1"]}""", "'pathPrefix' must be a path")]
    [InlineData("""{"id":"x","name":"X","pathPrefix":"/payments/v2","upstreams":["http://127.0.0.1:1"]}""", "overlaps /payments")]
    [InlineData("""{"id":"x","name":"X","pathPrefix":"/x/v1","upstreams":[]}""", "'upstreams' must list 1 to 16")]
    [InlineData("""{"id":"x","name":"X","pathPrefix":"/x/v1","upstreams":["ftp://host"]}""", "'upstreams' takes absolute http or https URLs")]
    [InlineData("""{"id":"x","name":"X","pathPrefix":"/x/v1","upstreams":["http://u:p@host"]}""", "'upstreams' takes absolute http or https URLs")]
    [InlineData("""{"id":"x","name":"X","pathPrefix":"/x/v1","upstreams":["http://h"],"dataSpace":"always"}""", "'dataSpace' must be required, optional or none")]
    [InlineData("""{"id":"x","name":"X","pathPrefix":"/x/v1","upstreams":["http://h"],"environments":["staging"]}""", "'environments' lists sandbox, production or both")]
    [InlineData("""{"id":"x","name":"X","pathPrefix":"/x/v1","upstreams":["http://h"],"timeoutSeconds":0}""", "'timeoutSeconds' must be between 1 and 300")]
    [InlineData("""{"id":"x","name":"X","pathPrefix":"/x/v1","upstreams":["http://h"],"lifecycleUrl":"not a url"}""", "'lifecycleUrl' takes absolute")]
    [InlineData("""{"id":"x","name":"X","pathPrefix":"/x/v1","upstreams":["http://h"],"maxConcurrentRequests":0}""", "'maxConcurrentRequests' must be between")]
    [InlineData("""{"id":"x","name":"X","pathPrefix":"/x/v1","upstreams":["http://h"],"healthPath":"healthz"}""", "'healthPath' must be a path")]
    [InlineData("""[1,2]""", "")]
    public async Task AWrongRegistration_Is400InvalidRequest_NamingTheField(string body, string sentence)
    {
        var platform = await shared.Process;
        using var response = await platform.Management.PostAsync("/api/v1/services", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadNodeAsync();
        Assert.Equal(ProblemCodes.InvalidRequest, problem["code"]!.GetValue<string>());
        Assert.Contains(sentence, problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task ASecondServiceWithTheSameIdOrAnOverlappingPrefix_Is409ServiceExists_AndUnknownIdsAre404()
    {
        var platform = await shared.Process;
        var id = $"dup-{Guid.NewGuid():N}"[..20];
        await ServicesTestKit.RegisterAsync(platform, new ServiceRegistration(id, "Dup", $"/{id}/v1", ["http://127.0.0.1:1"]));

        using var sameId = await platform.Management.PostAsJsonAsync("/api/v1/services", new ServiceRegistration(id, "Dup", $"/{id}/v2", ["http://127.0.0.1:1"]));
        using var under = await platform.Management.PostAsJsonAsync("/api/v1/services", new ServiceRegistration(id + "b", "Dup", $"/{id}/v1/sub", ["http://127.0.0.1:1"]));
        using var over = await platform.Management.PostAsJsonAsync("/api/v1/services", new ServiceRegistration(id + "c", "Dup", $"/{id}", ["http://127.0.0.1:1"]));
        using var unknown = await platform.Management.GetAsync("/api/v1/services/none-such");
        using var grantUnknown = await platform.Management.PutAsync($"/api/v1/accounts/{await Nodes.CreateAccountAsync(platform)}/entitlements/none-such", null);
        using var asAccount = new HttpClient { BaseAddress = platform.PortalUrl };
        using var anonymous = await asAccount.GetAsync("/api/v1/services");

        Assert.Equal(ProblemCodes.ServiceExists, await sameId.ProblemCodeAsync());
        Assert.Equal(ProblemCodes.ServiceExists, await under.ProblemCodeAsync());
        Assert.Equal(ProblemCodes.ServiceExists, await over.ProblemCodeAsync());
        Assert.Equal(ProblemCodes.ServiceNotFound, await unknown.ProblemCodeAsync());
        Assert.Equal(ProblemCodes.UnknownService, await grantUnknown.ProblemCodeAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task OnPostgreSql_ARegistrationAndAnEntitlementMadeOnOneNode_AreForwardedByTheOther_WithinMoments()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        // Every node names the same issuer (the portal's public URL behind the balancer; here the first node's listener).
        var portal = $"http://127.0.0.1:{ServiceProcess.FreePort()}";
        await using var nodes = await Nodes.StartAsync(2, StorageProvider.PostgreSql, connectionString,
            new Dictionary<string, string?>
            {
                ["ServiceGateway:Issuer"] = portal,
                // One data folder for both, as the scale-out topology asks: its Data Protection keys open the shared signing key.
                ["Platform:DataDirectory"] = Directory.CreateTempSubdirectory("cs-nodes-shared-").FullName,
            },
            index => index == 0 ? new Dictionary<string, string?> { ["Platform:PortalUrl"] = portal } : new Dictionary<string, string?>());
        await using var upstream = await RecordingUpstream.StartAsync(nodes[0].PortalUrl, "shared");
        var merchant = await ServicesTestKit.MerchantAsync(nodes[0]);

        async Task<HttpStatusCode> CallSecondAsync()
        {
            using var response = await ServicesTestKit.CallAsync(nodes[1], merchant.Sandbox, HttpMethod.Get, "/shared/v1/echo");
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.NotFound, await CallSecondAsync());
        await ServicesTestKit.RegisterAsync(nodes[0], new ServiceRegistration("shared", "Shared", "/shared/v1", [upstream.Url.AbsoluteUri], DataSpaceModes.None));
        Assert.True(await ServicesTestKit.EventuallyAsync(async () => await CallSecondAsync() == HttpStatusCode.Forbidden, TimeSpan.FromSeconds(3)),
            "The second node did not route the service registered on the first.");

        (await nodes[0].Management.PutAsync($"/api/v1/accounts/{merchant.Account}/entitlements/shared", null)).EnsureSuccessStatusCode();
        Assert.True(await ServicesTestKit.EventuallyAsync(async () => await CallSecondAsync() == HttpStatusCode.OK, TimeSpan.FromSeconds(3)),
            $"The second node did not apply the entitlement granted on the first ({await CallSecondAsync()}; upstream saw: " +
            string.Join("; ", upstream.Requests.Select(r => r.AuthenticationFailure)) + ").");

        (await nodes[0].Management.DeleteAsync("/api/v1/services/shared")).EnsureSuccessStatusCode();
        Assert.True(await ServicesTestKit.EventuallyAsync(async () => await CallSecondAsync() == HttpStatusCode.NotFound, TimeSpan.FromSeconds(3)),
            "The second node still routes a service removed on the first.");
        Assert.True(upstream.Requests.All(r => r.Authenticated)); // the second node's token, checked against the shared keys
    }

    [Fact]
    public async Task OnPostgreSql_ANodeWithoutTheSharedDataProtectionKeys_Starts_ButRefusesCallsToServicesWithASentence()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await using var nodes = await Nodes.StartAsync(2, StorageProvider.PostgreSql, connectionString); // a data folder each
        await using var upstream = await RecordingUpstream.StartAsync(nodes[0].PortalUrl, "lonely");
        await ServicesTestKit.RegisterAsync(nodes[0], new ServiceRegistration("lonely", "Lonely", "/lonely/v1", [upstream.Url.AbsoluteUri], DataSpaceModes.None));
        var merchant = await ServicesTestKit.MerchantAsync(nodes[0], "lonely");

        using var first = await ServicesTestKit.CallAsync(nodes[0], merchant.Sandbox, HttpMethod.Get, "/lonely/v1/echo");
        HttpResponseMessage? second = null;
        Assert.True(await ServicesTestKit.EventuallyAsync(async () =>
        {
            second?.Dispose();
            second = await ServicesTestKit.CallAsync(nodes[1], merchant.Sandbox, HttpMethod.Get, "/lonely/v1/echo");
            return second.StatusCode == HttpStatusCode.BadGateway;
        }, TimeSpan.FromSeconds(3)));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(ProblemCodes.ServiceUnavailable, await second!.ProblemCodeAsync());
        second!.Dispose();
        Assert.Contains("cannot open the gateway's signing key", nodes[1].Output);
        Assert.Single(upstream.Requests);
    }

    /// <summary>
    /// One platform process for the tests that only register and read: started by the first of them, stopped after the
    /// class (a process left running would outlive the test run).
    /// </summary>
    public sealed class SharedPlatform : IAsyncLifetime
    {
        private readonly Lazy<Task<PlatformProcess>> _process = new(() =>
            PlatformProcess.StartAsync(Directory.CreateTempSubdirectory("cs-services-shared-").FullName, new Dictionary<string, string?>()));

        public Task<PlatformProcess> Process => _process.Value;

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync()
        {
            if (_process.IsValueCreated)
            {
                await (await _process.Value).DisposeAsync();
            }
        }
    }
}
