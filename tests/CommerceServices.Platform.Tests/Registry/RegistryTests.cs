using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommerceServices.Platform.Services.Lifecycle;
using CommerceServices.Platform.Tests.Gateway;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Registry;
using CommerceServices.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CommerceServices.Platform.Tests.Registry;

/// <summary>Projects, data spaces, quotas, binding and copy through real HTTP, on SQLite and on PostgreSQL.</summary>
public abstract class RegistryTests(PlatformFixture fixture)
{
    private static readonly HttpClient Http = new();

    private PlatformHost Platform => fixture.Host;

    private HttpClient Api => fixture.Host.Management;

    public sealed class OnSqlite(SqlitePlatform fixture) : RegistryTests(fixture), IClassFixture<SqlitePlatform>;

    public sealed class OnPostgreSql(PostgresPlatform fixture) : RegistryTests(fixture), IClassFixture<PostgresPlatform>;

    [Fact]
    public async Task NewAccount_HasADefaultProject()
    {
        var account = await GatewayFixture.CreateAccountAsync(Platform);

        var projects = (await (await Api.GetAsync($"/api/v1/accounts/{account}/projects")).ReadNodeAsync()).AsArray();

        var project = Assert.Single(projects);
        Assert.Equal("Default project", project!["name"]!.GetValue<string>());
        Assert.StartsWith("prj_", project["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task AccountWithoutEntitlement_GetsTheBaseQuota_OneProductionAndNoTesting()
    {
        var (account, project) = await AccountAsync(entitled: false);

        Assert.Equal(HttpStatusCode.Created, (await CreateDataSpaceAsync(account, project, "live", "production")).StatusCode);
        var secondProduction = await CreateDataSpaceAsync(account, project, "live-2", "production");
        var testing = await CreateDataSpaceAsync(account, project, "test", "testing");

        Assert.Equal(HttpStatusCode.Conflict, secondProduction.StatusCode);
        Assert.Equal(ProblemCodes.QuotaExceeded, await secondProduction.ProblemCodeAsync());
        Assert.Equal(ProblemCodes.QuotaExceeded, await testing.ProblemCodeAsync());
        var quota = await (await Api.GetAsync($"/api/v1/accounts/{account}/quota")).ReadNodeAsync();
        Assert.Equal(0, quota["testing"]!["allowed"]!.GetValue<int>());
        Assert.Equal(1, quota["production"]!["used"]!.GetValue<int>());
    }

    [Fact]
    public async Task AccountEntitledToPayments_MayHaveOneProductionAndTwoTestingDataSpaces()
    {
        var (account, project) = await AccountAsync(entitled: true);

        var created = new[]
        {
            await CreateDataSpaceAsync(account, project, "live", "production"),
            await CreateDataSpaceAsync(account, project, "staging", "testing"),
            await CreateDataSpaceAsync(account, project, "dev", "testing"),
        };
        var thirdTesting = await CreateDataSpaceAsync(account, project, "qa", "testing");

        Assert.All(created, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.Equal(HttpStatusCode.Conflict, thirdTesting.StatusCode);
        Assert.Equal(ProblemCodes.QuotaExceeded, await thirdTesting.ProblemCodeAsync());
    }

    [Fact]
    public async Task ConcurrentCreates_NeverExceedTheQuota()
    {
        var (account, project) = await AccountAsync(entitled: true);

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => CreateDataSpaceAsync(account, project, $"t{i}", "testing")));

        Assert.Equal(2, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(4, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var spaces = (await (await Api.GetAsync($"/api/v1/accounts/{account}/data-spaces")).ReadNodeAsync()).AsArray();
        Assert.Equal(2, spaces.Count);
    }

    [Fact]
    public async Task Binding_IsIdempotentForTheSameInstance_AndRefusedForAnother_UntilReleased()
    {
        var (account, project) = await AccountAsync(entitled: true);
        var key = await GatewayFixture.CreateKeyAsync(Platform, account, GatewayEnvironment.Sandbox);
        var dataSpace = await DataSpaceIdAsync(await CreateDataSpaceAsync(account, project, "staging", "testing"));

        var first = await Gateway(key, HttpMethod.Put, $"/merchant-registry/v1/registry/data-spaces/{dataSpace}/instance", new { instanceId = "shop-a" });
        var again = await Gateway(key, HttpMethod.Put, $"/merchant-registry/v1/registry/data-spaces/{dataSpace}/instance", new { instanceId = "shop-a" });
        var other = await Gateway(key, HttpMethod.Put, $"/merchant-registry/v1/registry/data-spaces/{dataSpace}/instance", new { instanceId = "shop-b" });
        var releasedByOther = await Gateway(key, HttpMethod.Delete, $"/merchant-registry/v1/registry/data-spaces/{dataSpace}/instance?instanceId=shop-b");
        var released = await Gateway(key, HttpMethod.Delete, $"/merchant-registry/v1/registry/data-spaces/{dataSpace}/instance?instanceId=shop-a");
        var otherAfterRelease = await Gateway(key, HttpMethod.Put, $"/merchant-registry/v1/registry/data-spaces/{dataSpace}/instance", new { instanceId = "shop-b" });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("shop-a", (await again.ReadNodeAsync())["instanceId"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Equal(ProblemCodes.DataSpaceBoundElsewhere, await other.ProblemCodeAsync());
        Assert.Equal(ProblemCodes.DataSpaceBoundElsewhere, await releasedByOther.ProblemCodeAsync());
        Assert.Equal(HttpStatusCode.NoContent, released.StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherAfterRelease.StatusCode);
        var audit = await Api.GetStringAsync($"/api/v1/accounts/{account}/audit");
        Assert.Contains("data_space.bound", audit);
        Assert.Contains("data_space.released", audit);
    }

    [Fact]
    public async Task ConcurrentBinds_OfTwoInstances_BindExactlyOne()
    {
        var (account, project) = await AccountAsync(entitled: true);
        var key = await GatewayFixture.CreateKeyAsync(Platform, account, GatewayEnvironment.Production);
        var dataSpace = await DataSpaceIdAsync(await CreateDataSpaceAsync(account, project, "live", "production"));

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Gateway(key, HttpMethod.Put, $"/merchant-registry/v1/registry/data-spaces/{dataSpace}/instance", new { instanceId = $"shop-{i % 2}" })));

        var winners = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        Assert.NotEmpty(winners);
        Assert.Single((await Task.WhenAll(winners.Select(async r => (await r.ReadNodeAsync())["instanceId"]!.GetValue<string>()))).Distinct());
        Assert.All(responses.Except(winners), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
    }

    [Fact]
    public async Task ReleaseByTheOperator_FreesADataSpaceWhateverInstanceHoldsIt()
    {
        var (account, project) = await AccountAsync(entitled: true);
        var key = await GatewayFixture.CreateKeyAsync(Platform, account, GatewayEnvironment.Sandbox);
        var dataSpace = await DataSpaceIdAsync(await CreateDataSpaceAsync(account, project, "staging", "testing"));
        await Gateway(key, HttpMethod.Put, $"/merchant-registry/v1/registry/data-spaces/{dataSpace}/instance", new { instanceId = "gone-shop" });

        var released = await Api.DeleteAsync($"/api/v1/accounts/{account}/data-spaces/{dataSpace}/instance");

        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
        Assert.Null((await released.ReadNodeAsync())["instanceId"]);
    }

    [Fact]
    public async Task Registry_IsAFlatListOfEveryDataSpaceOfTheCallingAccount_AsTheMagentoModuleReadsIt_AndNoneOfAnother()
    {
        var (account, project) = await AccountAsync(entitled: true);
        var (otherAccount, otherProject) = await AccountAsync(entitled: true);
        var key = await GatewayFixture.CreateKeyAsync(Platform, account, GatewayEnvironment.Sandbox);
        var live = await DataSpaceIdAsync(await CreateDataSpaceAsync(account, project, "live", "production"));
        var staging = await DataSpaceIdAsync(await CreateDataSpaceAsync(account, project, "staging", "testing"));
        var empty = await Api.PostAsJsonAsync($"/api/v1/accounts/{account}/projects", new { name = "Not used yet" });
        var emptyProject = (await empty.ReadNodeAsync())["id"]!.GetValue<string>();
        await CreateDataSpaceAsync(otherAccount, otherProject, "theirs", "production");
        await Gateway(key, HttpMethod.Put, $"/merchant-registry/v1/registry/data-spaces/{staging}/instance", new { instanceId = "shop-1" });

        var registry = await (await Gateway(key, HttpMethod.Get, "/merchant-registry/v1/registry")).ReadNodeAsync();

        var entries = registry["results"]!.AsArray().Select(e => e!.AsObject()).ToList();
        Assert.Equal(new[] { live, staging }.Order(StringComparer.Ordinal),
            entries.Select(e => e["environmentId"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(entries, e =>
        {
            Assert.Equal(project, e["projectId"]!.GetValue<string>());
            Assert.Equal("Default project", e["projectName"]!.GetValue<string>());
        });
        var liveEntry = entries.Single(e => e["environmentId"]!.GetValue<string>() == live);
        Assert.Equal("live", liveEntry["environmentName"]!.GetValue<string>());
        Assert.Equal("production", liveEntry["environmentType"]!.GetValue<string>());
        Assert.Null(liveEntry["instanceId"]);
        var stagingEntry = entries.Single(e => e["environmentId"]!.GetValue<string>() == staging);
        Assert.Equal("testing", stagingEntry["environmentType"]!.GetValue<string>());
        Assert.Equal("shop-1", stagingEntry["instanceId"]!.GetValue<string>());
        var projects = registry["projects"]!.AsArray().Select(p => p!["id"]!.GetValue<string>()).ToList();
        Assert.Equal([project, emptyProject], projects);
    }

    [Fact]
    public async Task CloudId_IsRecordedOnTheDataSpace_AgainIsHarmless_AndAnotherCloudIdIsRefused()
    {
        var (account, project) = await AccountAsync(entitled: true);
        var key = await GatewayFixture.CreateKeyAsync(Platform, account, GatewayEnvironment.Sandbox);
        var staging = await DataSpaceIdAsync(await CreateDataSpaceAsync(account, project, "staging", "testing"));
        var path = $"/merchant-registry/v1/registry/environments/{staging}/cloudid/";

        var first = await Gateway(key, HttpMethod.Put, path + "abcd1234-staging");
        var again = await Gateway(key, HttpMethod.Put, path + "abcd1234-staging");
        var other = await Gateway(key, HttpMethod.Put, path + "efgh5678-master");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("abcd1234-staging", (await first.ReadNodeAsync())["cloudId"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Equal(ProblemCodes.DataSpaceBoundElsewhere, await other.ProblemCodeAsync());
        var registry = await (await Gateway(key, HttpMethod.Get, "/merchant-registry/v1/registry")).ReadNodeAsync();
        Assert.Equal("abcd1234-staging", registry["results"]![0]!["cloudId"]!.GetValue<string>());

        (await Api.DeleteAsync($"/api/v1/accounts/{account}/data-spaces/{staging}/instance")).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await Gateway(key, HttpMethod.Put, path + "efgh5678-master")).StatusCode);
    }

    [Fact]
    public async Task CloudId_OnADataSpaceOfAnotherAccount_AnswersAsOneThatDoesNotExist_AndABadCloudIdIsInvalid()
    {
        var (account, project) = await AccountAsync(entitled: true);
        var (otherAccount, otherProject) = await AccountAsync(entitled: true);
        var key = await GatewayFixture.CreateKeyAsync(Platform, account, GatewayEnvironment.Sandbox);
        var mine = await DataSpaceIdAsync(await CreateDataSpaceAsync(account, project, "staging", "testing"));
        var theirs = await DataSpaceIdAsync(await CreateDataSpaceAsync(otherAccount, otherProject, "theirs", "testing"));

        var other = await Gateway(key, HttpMethod.Put, $"/merchant-registry/v1/registry/environments/{theirs}/cloudid/abc");
        var missing = await Gateway(key, HttpMethod.Put, "/merchant-registry/v1/registry/environments/ds_doesnotexist/cloudid/abc");
        var bad = await Gateway(key, HttpMethod.Put, $"/merchant-registry/v1/registry/environments/{mine}/cloudid/a%20b");

        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(ProblemCodes.DataSpaceNotFound, await other.ProblemCodeAsync());
        Assert.Equal(ProblemCodes.DataSpaceNotFound, await missing.ProblemCodeAsync());
        var theirKey = await GatewayFixture.CreateKeyAsync(Platform, otherAccount, GatewayEnvironment.Sandbox);
        var theirRegistry = await (await Gateway(theirKey, HttpMethod.Get, "/merchant-registry/v1/registry")).ReadNodeAsync();
        Assert.Null(Assert.Single(theirRegistry["results"]!.AsArray())!["cloudId"]);
        Assert.Equal(ProblemCodes.InvalidRequest, await bad.ProblemCodeAsync());
    }

    [Fact]
    public async Task DataSpaceOfAnotherAccount_AnswersExactlyAsOneThatDoesNotExist()
    {
        var (account, _) = await AccountAsync(entitled: true);
        var (otherAccount, otherProject) = await AccountAsync(entitled: true);
        var key = await GatewayFixture.CreateKeyAsync(Platform, account, GatewayEnvironment.Sandbox);
        var theirs = await DataSpaceIdAsync(await CreateDataSpaceAsync(otherAccount, otherProject, "theirs", "testing"));

        foreach (var id in new[] { theirs, "ds_doesnotexist" })
        {
            var responses = new[]
            {
                await Gateway(key, HttpMethod.Get, $"/merchant-registry/v1/registry/data-spaces/{id}"),
                await Gateway(key, HttpMethod.Put, $"/merchant-registry/v1/registry/data-spaces/{id}/instance", new { instanceId = "shop" }),
                await Gateway(key, HttpMethod.Get, "/merchant-registry/v1/ping", dataSpace: id),
                await Gateway(key, HttpMethod.Get, "/payments/v1/payments", dataSpace: id),
                await Api.GetAsync($"/api/v1/accounts/{account}/data-spaces/{id}"),
            };
            foreach (var response in responses)
            {
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
                Assert.Equal(ProblemCodes.DataSpaceNotFound, await response.ProblemCodeAsync());
            }
        }

        Assert.Null((await (await Api.GetAsync($"/api/v1/accounts/{otherAccount}/data-spaces/{theirs}")).ReadNodeAsync())["instanceId"]);
    }

    [Fact]
    public async Task Ping_WithADataSpace_PutsItOnTheVerifiedIdentity()
    {
        var (account, project) = await AccountAsync(entitled: true);
        var key = await GatewayFixture.CreateKeyAsync(Platform, account, GatewayEnvironment.Sandbox);
        var dataSpace = await DataSpaceIdAsync(await CreateDataSpaceAsync(account, project, "staging", "testing"));

        var viaHeader = await (await Gateway(key, HttpMethod.Get, "/merchant-registry/v1/ping", dataSpace: dataSpace)).ReadNodeAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Platform.SandboxGatewayUrl, "/merchant-registry/v1/ping"));
        request.Headers.Add(GatewayHeaders.ApiKey, key.ApiKey);
        request.Headers.Add(GatewayHeaders.Signature, key.Token());
        request.Headers.Add(GatewayHeaders.DataSpaceIdAlias, dataSpace);
        var viaMagentoHeader = await (await Http.SendAsync(request)).ReadNodeAsync();

        Assert.Equal(dataSpace, viaHeader["dataSpace"]!["id"]!.GetValue<string>());
        Assert.Equal(dataSpace, viaMagentoHeader["dataSpace"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Copy_PutsEveryPaymentOfOneDataSpaceIntoAnother_AndLeavesTheSourceIntact()
    {
        var (account, project) = await AccountAsync(entitled: true);
        var key = await GatewayFixture.CreateKeyAsync(Platform, account, GatewayEnvironment.Sandbox);
        var from = await DataSpaceIdAsync(await CreateDataSpaceAsync(account, project, "shop", "testing"));
        var to = await DataSpaceIdAsync(await CreateDataSpaceAsync(account, project, "staging", "testing"));
        for (var i = 0; i < 3; i++)
        {
            var payment = await Gateway(key, HttpMethod.Post, "/payments/v1/payments", Payments.Merchant.Payment(1999, "eur", reference: $"order-{i}"), from);
            Assert.Equal(HttpStatusCode.Created, payment.StatusCode);
        }

        var copied = await Gateway(key, HttpMethod.Post, $"/merchant-registry/v1/registry/data-spaces/{to}/copy", new { from });

        Assert.Equal(HttpStatusCode.OK, copied.StatusCode);
        Assert.Equal(3, (await copied.ReadNodeAsync())["copied"]![0]!["items"]!.GetValue<int>());
        var target = (await (await Gateway(key, HttpMethod.Get, "/payments/v1/payments", dataSpace: to)).ReadNodeAsync())["data"]!.AsArray();
        Assert.Equal(["order-0", "order-1", "order-2"], target.Select(p => p!["reference"]!.GetValue<string>()).Order());
        Assert.Equal(3, (await (await Gateway(key, HttpMethod.Get, "/payments/v1/payments", dataSpace: from)).ReadNodeAsync())["data"]!.AsArray().Count);
        var holdings = await (await Api.GetAsync($"/api/v1/accounts/{account}/data-spaces/{to}")).ReadNodeAsync();
        Assert.Equal(3, holdings["holdings"]![0]!["items"]!.GetValue<int>());
    }

    [Fact]
    public async Task Copy_IntoADataSpaceBoundToAnotherInstance_IsRefused_AndCopiesNothing_ThroughTheGatewayAndTheManagementApi()
    {
        var (account, project) = await AccountAsync(entitled: true);
        var key = await GatewayFixture.CreateKeyAsync(Platform, account, GatewayEnvironment.Sandbox);
        var from = await DataSpaceIdAsync(await CreateDataSpaceAsync(account, project, "staging", "testing"));
        var to = await DataSpaceIdAsync(await CreateDataSpaceAsync(account, project, "dev", "testing"));
        Assert.Equal(HttpStatusCode.Created,
            (await Gateway(key, HttpMethod.Post, "/payments/v1/payments", Payments.Merchant.Payment(100, "EUR"), from)).StatusCode);
        Assert.Equal(HttpStatusCode.OK,
            (await Gateway(key, HttpMethod.Put, $"/merchant-registry/v1/registry/data-spaces/{to}/instance", new { instanceId = "shop-other" })).StatusCode);

        var viaGateway = await Gateway(key, HttpMethod.Post, $"/merchant-registry/v1/registry/data-spaces/{to}/copy", new { from, instanceId = "shop-me" });
        var viaGatewayWithoutInstance = await Gateway(key, HttpMethod.Post, $"/merchant-registry/v1/registry/data-spaces/{to}/copy", new { from });
        var viaManagement = await Api.PostAsJsonAsync($"/api/v1/accounts/{account}/data-spaces/{to}/copy", new { from });

        foreach (var refused in new[] { viaGateway, viaGatewayWithoutInstance, viaManagement })
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Equal(ProblemCodes.DataSpaceBoundElsewhere, await refused.ProblemCodeAsync());
        }

        var target = await (await Api.GetAsync($"/api/v1/accounts/{account}/data-spaces/{to}")).ReadNodeAsync();
        Assert.All(target["holdings"]!.AsArray(), h => Assert.Equal(0, h!["items"]!.GetValue<int>()));
        var copied = await Gateway(key, HttpMethod.Post, $"/merchant-registry/v1/registry/data-spaces/{to}/copy", new { from, instanceId = "shop-other" });
        Assert.Equal(HttpStatusCode.OK, copied.StatusCode);
        var copiedHolding = (await copied.Content.ReadFromJsonAsync<CopyResult>())!.Copied.Single();
        Assert.Equal(("payments", 1, "1 item"), (copiedHolding.Service, copiedHolding.Items, copiedHolding.Describe()));
    }

    [Fact]
    public async Task Delete_RefusesADataSpaceThatHoldsDataOrIsBound_SayingWhatWouldBeLost_UnlessForced()
    {
        var (account, project) = await AccountAsync(entitled: true);
        var key = await GatewayFixture.CreateKeyAsync(Platform, account, GatewayEnvironment.Sandbox);
        var dataSpace = await DataSpaceIdAsync(await CreateDataSpaceAsync(account, project, "live", "testing"));
        var empty = await DataSpaceIdAsync(await CreateDataSpaceAsync(account, project, "spare", "testing"));
        await Gateway(key, HttpMethod.Post, "/payments/v1/payments", Payments.Merchant.Payment(500, "USD"), dataSpace);
        await Gateway(key, HttpMethod.Put, $"/merchant-registry/v1/registry/data-spaces/{dataSpace}/instance", new { instanceId = "shop-live" });

        var refused = await Api.DeleteAsync($"/api/v1/accounts/{account}/data-spaces/{dataSpace}");
        var emptyDeleted = await Api.DeleteAsync($"/api/v1/accounts/{account}/data-spaces/{empty}");
        var forced = await Api.DeleteAsync($"/api/v1/accounts/{account}/data-spaces/{dataSpace}?force=true");

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.ReadNodeAsync();
        Assert.Equal(ProblemCodes.DataSpaceNotEmpty, problem["code"]!.GetValue<string>());
        Assert.Contains("would lose 1 payment and", problem["detail"]!.GetValue<string>());
        Assert.DoesNotContain("item", problem["detail"]!.GetValue<string>());
        Assert.Contains("shop-live", problem["detail"]!.GetValue<string>());
        Assert.Contains("--force", problem["detail"]!.GetValue<string>()); // the real flag, not "delete with force"
        Assert.Equal(HttpStatusCode.OK, emptyDeleted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, forced.StatusCode);
        Assert.Empty((await (await Api.GetAsync($"/api/v1/accounts/{account}/data-spaces")).ReadNodeAsync()).AsArray());
    }

    [Fact]
    public async Task AJobJustStarted_IsHeldForItsStarter_SoTheWorkerCannotTakeItAndLeaveTheCallAnsweringPending()
    {
        // Seen as a delete answering 202 (pending) for a data space every service had already let go: the worker's poll
        // took the job between its start and its run, so the call that started it found it held by another.
        var (account, project) = await AccountAsync(entitled: true);
        var dataSpace = await DataSpaceIdAsync(await CreateDataSpaceAsync(account, project, "spare", "testing"));
        await using var scope = Platform.Services.CreateAsyncScope();
        var jobs = scope.ServiceProvider.GetRequiredService<LifecycleJobs>();

        var started = await jobs.StartAsync(LifecycleJob.Delete, account, dataSpace, null, "test", CancellationToken.None);
        var dueForTheWorker = await jobs.DueAsync(CancellationToken.None);
        var run = await jobs.RunStartedAsync(started.Id, CancellationToken.None);

        Assert.DoesNotContain(started.Id, dueForTheWorker);
        Assert.Equal(LifecycleJobStatuses.Done, run.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.GetAsync($"/api/v1/accounts/{account}/data-spaces/{dataSpace}")).StatusCode);
    }

    [Fact]
    public async Task Services_ListPaymentServicesWithTheCallersEntitlement()
    {
        var (entitled, _) = await AccountAsync(entitled: true);
        var (notEntitled, _) = await AccountAsync(entitled: false);

        var forEntitled = await (await Gateway(await GatewayFixture.CreateKeyAsync(Platform, entitled, GatewayEnvironment.Sandbox),
            HttpMethod.Get, "/merchant-registry/v1/services")).ReadNodeAsync();
        var forOther = await (await Gateway(await GatewayFixture.CreateKeyAsync(Platform, notEntitled, GatewayEnvironment.Sandbox),
            HttpMethod.Get, "/merchant-registry/v1/services")).ReadNodeAsync();

        Assert.Equal("payments", forEntitled[0]!["id"]!.GetValue<string>());
        Assert.Equal("/payments/v1", forEntitled[0]!["pathPrefix"]!.GetValue<string>());
        Assert.True(forEntitled[0]!["entitled"]!.GetValue<bool>());
        Assert.False(forOther[0]!["entitled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task PaymentServices_NeedsAnEntitledAccountAndADataSpace()
    {
        var (notEntitled, project) = await AccountAsync(entitled: false);
        var key = await GatewayFixture.CreateKeyAsync(Platform, notEntitled, GatewayEnvironment.Production);
        var dataSpace = await DataSpaceIdAsync(await CreateDataSpaceAsync(notEntitled, project, "live", "production"));
        var (entitled, _) = await AccountAsync(entitled: true);
        var entitledKey = await GatewayFixture.CreateKeyAsync(Platform, entitled, GatewayEnvironment.Production);

        var refused = await Gateway(key, HttpMethod.Get, "/payments/v1/payments", dataSpace: dataSpace);
        var noDataSpace = await Gateway(entitledKey, HttpMethod.Get, "/payments/v1/payments");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(ProblemCodes.NotEntitled, await refused.ProblemCodeAsync());
        Assert.Equal(HttpStatusCode.BadRequest, noDataSpace.StatusCode);
        Assert.Equal(ProblemCodes.DataSpaceRequired, await noDataSpace.ProblemCodeAsync());
    }

    public static TheoryData<string, string, string, string?, HttpStatusCode, string> BadInputs => new()
    {
        // name, method, path ({a} account, {p} its project, {d} one of its data spaces), body, status, code
        { "unknown data space type", "POST", "/api/v1/accounts/{a}/data-spaces", """{"projectId":"{p}","name":"x","type":"staging"}""", HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest },
        { "no name", "POST", "/api/v1/accounts/{a}/data-spaces", """{"projectId":"{p}","type":"testing"}""", HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest },
        { "name of 101 characters", "POST", "/api/v1/accounts/{a}/data-spaces", $$"""{"projectId":"{p}","name":"{{new string('n', 101)}}","type":"testing"}""", HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest },
        { "unknown project", "POST", "/api/v1/accounts/{a}/data-spaces", """{"projectId":"prj_nope","name":"x","type":"testing"}""", HttpStatusCode.NotFound, ProblemCodes.ProjectNotFound },
        { "unknown account", "POST", "/api/v1/accounts/acc_nope/data-spaces", """{"projectId":"{p}","name":"x","type":"testing"}""", HttpStatusCode.NotFound, ProblemCodes.AccountNotFound },
        { "unknown account: projects", "GET", "/api/v1/accounts/acc_nope/projects", null, HttpStatusCode.NotFound, ProblemCodes.AccountNotFound },
        { "duplicate name in the project", "POST", "/api/v1/accounts/{a}/data-spaces", """{"projectId":"{p}","name":"first","type":"testing"}""", HttpStatusCode.Conflict, ProblemCodes.DataSpaceExists },
        { "rename to nothing", "PATCH", "/api/v1/accounts/{a}/data-spaces/{d}", """{"name":" "}""", HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest },
        { "rename unknown", "PATCH", "/api/v1/accounts/{a}/data-spaces/ds_nope", """{"name":"x"}""", HttpStatusCode.NotFound, ProblemCodes.DataSpaceNotFound },
        { "delete unknown", "DELETE", "/api/v1/accounts/{a}/data-spaces/ds_nope", null, HttpStatusCode.NotFound, ProblemCodes.DataSpaceNotFound },
        { "copy into itself", "POST", "/api/v1/accounts/{a}/data-spaces/{d}/copy", """{"from":"{d}"}""", HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest },
        { "copy without from", "POST", "/api/v1/accounts/{a}/data-spaces/{d}/copy", "{}", HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest },
        { "copy from unknown", "POST", "/api/v1/accounts/{a}/data-spaces/{d}/copy", """{"from":"ds_nope"}""", HttpStatusCode.NotFound, ProblemCodes.DataSpaceNotFound },
        { "project without name", "POST", "/api/v1/accounts/{a}/projects", "{}", HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task BadManagementInput_IsAnsweredWithItsCode(string name, string method, string path, string? body, HttpStatusCode status, string code)
    {
        var (account, project) = await AccountAsync(entitled: true);
        var dataSpace = await DataSpaceIdAsync(await CreateDataSpaceAsync(account, project, "first", "testing"));
        string Fill(string s) => s.Replace("{a}", account).Replace("{p}", project).Replace("{d}", dataSpace);
        using var request = new HttpRequestMessage(new HttpMethod(method), Fill(path));
        if (body is not null)
        {
            request.Content = new StringContent(Fill(body), MediaTypeHeaderValue.Parse("application/json"));
        }

        var response = await Api.SendAsync(request);

        Assert.True(status == response.StatusCode, $"{name}: expected {status}, got {response.StatusCode}");
        Assert.Equal(code, await response.ProblemCodeAsync());
    }

    [Theory]
    [InlineData("PUT", "/instance", """{"instanceId":""}""")]
    [InlineData("PUT", "/instance", """{"instanceId":"has spaces"}""")]
    [InlineData("PUT", "/instance", "{}")]
    [InlineData("PUT", "/instance", "not json")]
    [InlineData("DELETE", "/instance", null)]
    [InlineData("POST", "/copy", """{"from":null}""")]
    public async Task BadGatewayInput_IsAnsweredInvalidRequest(string method, string suffix, string? body)
    {
        var (account, project) = await AccountAsync(entitled: true);
        var key = await GatewayFixture.CreateKeyAsync(Platform, account, GatewayEnvironment.Sandbox);
        var dataSpace = await DataSpaceIdAsync(await CreateDataSpaceAsync(account, project, "staging", "testing"));
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(Platform.SandboxGatewayUrl, $"/merchant-registry/v1/registry/data-spaces/{dataSpace}{suffix}"));
        request.Headers.Add(GatewayHeaders.ApiKey, key.ApiKey);
        request.Headers.Add(GatewayHeaders.Signature, key.Token());
        if (body is not null)
        {
            request.Content = new StringContent(body, MediaTypeHeaderValue.Parse("application/json"));
        }

        var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(ProblemCodes.InvalidRequest, await response.ProblemCodeAsync());
    }

    [Fact]
    public async Task ConflictingDataSpaceHeaders_AreAnsweredInvalidRequest()
    {
        var (account, project) = await AccountAsync(entitled: true);
        var key = await GatewayFixture.CreateKeyAsync(Platform, account, GatewayEnvironment.Sandbox);
        var dataSpace = await DataSpaceIdAsync(await CreateDataSpaceAsync(account, project, "staging", "testing"));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Platform.SandboxGatewayUrl, "/merchant-registry/v1/ping"));
        request.Headers.Add(GatewayHeaders.ApiKey, key.ApiKey);
        request.Headers.Add(GatewayHeaders.Signature, key.Token());
        request.Headers.Add(GatewayHeaders.DataSpaceId, dataSpace);
        request.Headers.Add(GatewayHeaders.DataSpaceIdAlias, "ds_other");

        var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(ProblemCodes.InvalidRequest, await response.ProblemCodeAsync());
    }

    private async Task<(string Account, string Project)> AccountAsync(bool entitled)
    {
        var account = await GatewayFixture.CreateAccountAsync(Platform);
        if (entitled)
        {
            (await Api.PutAsync($"/api/v1/accounts/{account}/entitlements/payments", null)).EnsureSuccessStatusCode();
        }

        var projects = (await (await Api.GetAsync($"/api/v1/accounts/{account}/projects")).ReadNodeAsync()).AsArray();
        return (account, projects[0]!["id"]!.GetValue<string>());
    }

    private Task<HttpResponseMessage> CreateDataSpaceAsync(string account, string project, string name, string type) =>
        Api.PostAsJsonAsync($"/api/v1/accounts/{account}/data-spaces", new { projectId = project, name, type });

    private static async Task<string> DataSpaceIdAsync(HttpResponseMessage created)
    {
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.ReadNodeAsync())["id"]!.GetValue<string>();
    }

    private Task<HttpResponseMessage> Gateway(TestKey key, HttpMethod method, string path, object? body = null, string? dataSpace = null) =>
        GatewayFixture.SendSignedAsync(Platform, key, method, path, body, dataSpace);
}
