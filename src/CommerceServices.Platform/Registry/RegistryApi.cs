using CommerceServices.Platform.Data;
using CommerceServices.Platform.Gateway;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Services;
using CommerceServices.Platform.Services.Forwarding;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Registry;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CommerceServices.Platform.Registry;

/// <summary>The merchant registry as instances see it, through either gateway (DESIGN.md section 3).</summary>
public static class RegistryApi
{
    public static RouteGroupBuilder MapRegistryApi(this RouteGroupBuilder gateway)
    {
        var registry = gateway.MapGroup("/merchant-registry/v1").WithTags("Merchant registry")
            .WithMetadata(new Traffic.GatewayServiceMetadata("registry"));
        registry.MapGet("/ping", Ping).WithName("Ping").WithSummary("200 when the key pair is valid for this gateway.");
        registry.MapGet("/registry", Registry).WithName("Registry")
            .WithSummary("The account's data spaces, one flat entry each (the Magento module's shape), and its projects.");
        registry.MapPut("/registry/environments/{environmentId}/cloudid/{cloudId}", RecordCloudId).WithName("RecordCloudId")
            .WithSummary("Record the Magento Cloud environment that uses a data space (the Magento module's call on Magento Cloud).");
        registry.MapGet("/registry/data-spaces/{dataSpaceId}", DataSpace).WithName("RegistryDataSpace")
            .WithSummary("A data space of the account and what each service keeps in it.");
        registry.MapPut("/registry/data-spaces/{dataSpaceId}/instance", Bind).WithName("BindInstance")
            .WithSummary("Bind the calling instance to a data space (R13); idempotent.");
        registry.MapDelete("/registry/data-spaces/{dataSpaceId}/instance", Release).WithName("ReleaseInstance")
            .WithSummary("Free a data space this instance is bound to.");
        registry.MapPost("/registry/data-spaces/{dataSpaceId}/copy", Copy).WithName("CopyIntoDataSpace")
            .WithSummary("Copy every service's data of another data space of the account into this one (R18).");
        registry.MapGet("/services", Services).WithName("Services").WithSummary("The services behind this gateway (R11).");
        return registry;
    }

    private static async Task<PingResponse> Ping(GatewayCaller caller, HttpContext http)
    {
        // The registry (and its database context) only when the call names a data space: a bare ping touches nothing.
        var dataSpace = caller.DataSpaceId is null ? null : await http.RequestServices.GetRequiredService<RegistryService>()
            .FindAsync(caller.AccountId, caller.DataSpaceId, false, http.RequestAborted);
        return new PingResponse(caller.AccountId, caller.Environment.ToName(), caller.ApiKey,
            dataSpace is null ? null : DataSpaceViews.Of(dataSpace));
    }

    private static async Task<Results<Ok<RegistryListing>, ProblemHttpResult>> Registry(GatewayCaller caller, HttpContext http, RegistryService registry)
    {
        var outcome = await registry.ListProjectsAsync(caller.AccountId, http.RequestAborted);
        return outcome.ToOk(RegistryListings.Of);
    }

    private static async Task<Results<Ok<RegistryEntry>, ProblemHttpResult>> RecordCloudId(
        string environmentId, string cloudId, GatewayCaller caller, HttpContext http, RegistryService registry)
    {
        var outcome = await registry.RecordCloudIdAsync(caller.AccountId, environmentId, cloudId, Actor(caller), http.RequestAborted);
        return outcome.ToOk(r => RegistryListings.EntryOf(r.Project, r.DataSpace));
    }

    private static async Task<Results<Ok<DataSpaceDetailsView>, ProblemHttpResult>> DataSpace(
        string dataSpaceId, GatewayCaller caller, HttpContext http, RegistryService registry)
    {
        var outcome = await registry.GetDataSpaceAsync(caller.AccountId, dataSpaceId, http.RequestAborted);
        return outcome.ToOk(DataSpaceViews.Of);
    }

    private static async Task<Results<Ok<DataSpaceView>, ProblemHttpResult>> Bind(
        string dataSpaceId, BindInstanceRequest? request, GatewayCaller caller, HttpContext http, RegistryService registry)
    {
        var outcome = await registry.BindInstanceAsync(caller.AccountId, dataSpaceId, request?.InstanceId, Actor(caller), http.RequestAborted);
        return outcome.ToOk(DataSpaceViews.Of);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Release(
        string dataSpaceId, string? instanceId, GatewayCaller caller, HttpContext http, RegistryService registry)
    {
        if (string.IsNullOrWhiteSpace(instanceId))
        {
            return Problems.Of(ProblemCodes.InvalidRequest, "Say which instance releases the data space: '?instanceId=…'.");
        }

        var outcome = await registry.ReleaseAsync(caller.AccountId, dataSpaceId, instanceId, Actor(caller), http.RequestAborted);
        return outcome.Error is { } error ? Problems.Of(error) : TypedResults.NoContent();
    }

    private static async Task<Results<Ok<CopyResult>, Accepted<CopyResult>, ProblemHttpResult>> Copy(
        string dataSpaceId, CopyDataSpaceRequest? request, GatewayCaller caller, HttpContext http, RegistryService registry)
    {
        var outcome = await registry.CopyAsync(caller.AccountId, request?.From, dataSpaceId, request?.InstanceId, Actor(caller), http.RequestAborted);
        return outcome.Error is { } error ? Problems.Of(error)
            : outcome.Value!.Status == LifecycleJobStatuses.Done ? TypedResults.Ok(outcome.Value) : TypedResults.Accepted((string?)null, outcome.Value);
    }

    /// <summary>Every service (R11): whether the account is entitled to it and whether it answers.</summary>
    private static async Task<IEnumerable<ServiceView>> Services(GatewayCaller caller, HttpContext http, PlatformDbContext db, ServiceRegistry services,
        ServiceHealth health)
    {
        var entitled = await db.Entitlements.Where(e => e.AccountId == caller.AccountId).Select(e => e.Service).ToListAsync(http.RequestAborted);
        return services.All.Where(s => s.IsOfferedOn(caller.Environment))
            .Select(s => new ServiceView(s.Id, s.Name, s.PathPrefix, entitled.Contains(s.Id), health.IsHealthy(s), s.DataSpace));
    }

    private static string Actor(GatewayCaller caller) => $"instance via {caller.ApiKey}";
}
