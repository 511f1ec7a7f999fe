using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Registry;
using CommerceServices.Platform.Tests.Data;
using CommerceServices.Platform.Tests.Gateway;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Registry;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Registry;

/// <summary>
/// Registry writes are atomic: a guard is checked in the transaction of the write it guards, a change commits with its
/// audit event. Each probe steps into the real database traffic. (A copy across services is a recorded job, not one
/// transaction: Services/DataSpaceLifecycleTests.)
/// </summary>
public sealed class RegistryWriteTests
{
    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Delete_CountsABindingThatArrivesWhileItRuns_AndRefusesWithoutForce(StorageProvider provider)
    {
        var probe = new DatabaseProbe();
        await using var host = await PlatformHost.StartAsync(provider, services: probe.AddTo);
        var (account, dataSpace) = await DataSpaceAsync(host, "testing");
        probe.BeforeNextTransaction(async () =>
        {
            // An instance binds the data space after the delete was asked for, before its transaction begins.
            await using var scope = host.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            await db.DataSpaces.Where(d => d.Id == dataSpace).ExecuteUpdateAsync(s => s.SetProperty(d => d.InstanceId, "shop-arrived"));
        });

        using var refused = await host.Management.DeleteAsync($"/api/v1/accounts/{account}/data-spaces/{dataSpace}");

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal(ProblemCodes.DataSpaceNotEmpty, await refused.ProblemCodeAsync());
        using var still = await host.Management.GetAsync($"/api/v1/accounts/{account}/data-spaces/{dataSpace}");
        Assert.Equal("shop-arrived", (await still.ReadNodeAsync())["instanceId"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Binding_AndItsAuditEvent_CommitTogether_ACrashBeforeTheAuditLeavesNoBinding(StorageProvider provider)
    {
        var probe = new DatabaseProbe();
        await using var host = await PlatformHost.StartAsync(provider, services: probe.AddTo);
        var (account, dataSpace) = await DataSpaceAsync(host, "testing");
        var key = await GatewayFixture.CreateKeyAsync(host, account, GatewayEnvironment.Sandbox);
        probe.FailSaveWhen = context => context.ChangeTracker.Entries<AuditEvent>()
            .Any(e => e.State == EntityState.Added && e.Entity.Action == AuditActions.DataSpaceBound);

        using var crashed = await SignedAsync(host, key, HttpMethod.Put, $"/merchant-registry/v1/registry/data-spaces/{dataSpace}/instance",
            new BindInstanceRequest("shop-1"));

        Assert.Equal(HttpStatusCode.InternalServerError, crashed.StatusCode);
        Assert.Equal(ProblemCodes.InternalError, await crashed.ProblemCodeAsync());
        using var after = await host.Management.GetAsync($"/api/v1/accounts/{account}/data-spaces/{dataSpace}");
        Assert.Null((await after.ReadNodeAsync())["instanceId"]?.GetValue<string>());

        probe.FailSaveWhen = _ => false;
        using var bound = await SignedAsync(host, key, HttpMethod.Put, $"/merchant-registry/v1/registry/data-spaces/{dataSpace}/instance",
            new BindInstanceRequest("shop-1"));
        Assert.Equal(HttpStatusCode.OK, bound.StatusCode);
        using var audit = await host.Management.GetAsync($"/api/v1/accounts/{account}/audit");
        Assert.Single((await audit.ReadNodeAsync()).AsArray(), e => e!["action"]!.GetValue<string>() == AuditActions.DataSpaceBound);
    }

    [Fact]
    public async Task ADatabaseErrorThatIsNotAnOutage_Answers500InternalError_LoggedWithItsException_NeverStorageUnavailable()
    {
        await using var host = await PlatformHost.StartAsync();
        var account = await GatewayFixture.CreateAccountAsync(host);
        await using (var scope = host.Services.CreateAsyncScope())
        {
            // A real constraint failure the code does not expect: the database refuses every new project.
            await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().Database.ExecuteSqlRawAsync(
                "CREATE TRIGGER refuse_projects BEFORE INSERT ON Projects BEGIN SELECT RAISE(ABORT, 'projects refused by a test trigger'); END;");
        }

        using var response = await host.Management.PostAsJsonAsync($"/api/v1/accounts/{account}/projects", new { name = "second" });

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(ProblemCodes.InternalError, await response.ProblemCodeAsync());
        Assert.False(response.Headers.Contains("Retry-After"));
        var logged = Assert.Single(host.Logs.Lines, l => l.StartsWith("Error ", StringComparison.Ordinal) && l.Contains("Database error", StringComparison.Ordinal));
        Assert.Contains("projects refused by a test trigger", logged, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains("Storage unavailable", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Release_ReadsTheBindingInItsOwnTransaction_SoABindThatLandedMeanwhileIsNeverWiped(StorageProvider provider)
    {
        var probe = new DatabaseProbe();
        await using var host = await PlatformHost.StartAsync(provider, services: probe.AddTo);
        var (account, dataSpace) = await DataSpaceAsync(host, "testing");
        Assert.True((await RegistryAsync(host, r => r.BindInstanceAsync(account, dataSpace, "shop-x", "test", default))).Error is null);
        probe.BeforeNextTransaction(async () =>
        {
            // While shop-x's first release is under way, a second release of shop-x completes and shop-y binds the data space.
            Assert.True((await RegistryAsync(host, r => r.ReleaseAsync(account, dataSpace, "shop-x", "test", default))).Error is null);
            Assert.True((await RegistryAsync(host, r => r.BindInstanceAsync(account, dataSpace, "shop-y", "test", default))).Error is null);
        });

        await RegistryAsync(host, r => r.ReleaseAsync(account, dataSpace, "shop-x", "test", default));

        var after = await RegistryAsync(host, r => r.GetDataSpaceAsync(account, dataSpace, default));
        Assert.Equal("shop-y", after.Value!.DataSpace.InstanceId);
    }

    private static async Task<T> RegistryAsync<T>(PlatformHost host, Func<RegistryService, Task<T>> call)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<RegistryService>());
    }

    private static async Task<(string Account, string DataSpace)> DataSpaceAsync(PlatformHost host, string type)
    {
        using var created = await host.Management.PostAsJsonAsync("/api/v1/accounts", new { email = $"{Guid.NewGuid():N}@example.com" });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync() + host.Logs.All);
        var account = (await created.ReadNodeAsync())["id"]!.GetValue<string>();
        (await host.Management.PutAsync($"/api/v1/accounts/{account}/entitlements/payments", null)).EnsureSuccessStatusCode();
        return (account, await NewDataSpaceAsync(host, account, type));
    }

    private static async Task<string> NewDataSpaceAsync(PlatformHost host, string account, string type)
    {
        var projects = (await (await host.Management.GetAsync($"/api/v1/accounts/{account}/projects")).ReadNodeAsync()).AsArray();
        using var created = await host.Management.PostAsJsonAsync($"/api/v1/accounts/{account}/data-spaces",
            new { projectId = projects[0]!["id"]!.GetValue<string>(), name = $"{type}-{Guid.NewGuid():N}"[..20], type });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.ReadNodeAsync())["id"]!.GetValue<string>();
    }

    private static Task<HttpResponseMessage> SignedAsync(PlatformHost host, TestKey key, HttpMethod method, string path, object? body = null,
        string? dataSpace = null) =>
        GatewayFixture.SendSignedAsync(host, key, method, path, body, dataSpace);
}
