using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Hosting.Operator;
using CommerceServices.Platform.Services.Lifecycle;
using CommerceServices.Protocol.Registry;
using CommerceServices.Platform.Portal.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CommerceServices.Platform.Registry;

/// <summary>The operator's management API for projects and data spaces (portal listener).</summary>
public static class RegistryManagementApi
{
    public static IEndpointRouteBuilder MapRegistryManagementApi(this IEndpointRouteBuilder app)
    {
        var accounts = app.MapGroup("/api/v1/accounts/{accountId}")
            .RequireListener(PlatformListener.Portal)
            .RequireAuthorization(ManagementAuthorization.AccountScopedPolicy)
            .WithTags("Registry management");

        accounts.MapGet("/projects", ListProjects).WithName("ListProjects").WithSummary("The account's SaaS projects.");
        accounts.MapPost("/projects", CreateProject).WithName("CreateProject").WithSummary("Add a project to the account.");
        accounts.MapGet("/quota", Quota).WithName("GetQuota").WithSummary("Data spaces allowed and used, per type (R3).");
        accounts.MapGet("/data-spaces", ListDataSpaces).WithName("ListDataSpaces").WithSummary("The account's data spaces.");
        accounts.MapPost("/data-spaces", CreateDataSpace).WithName("CreateDataSpace").WithSummary("Create a data space, within quota.");
        accounts.MapGet("/data-spaces/{dataSpaceId}", GetDataSpace).WithName("GetDataSpace").WithSummary("A data space and what it holds.");
        accounts.MapPatch("/data-spaces/{dataSpaceId}", RenameDataSpace).WithName("RenameDataSpace").WithSummary("Rename a data space.");
        accounts.MapDelete("/data-spaces/{dataSpaceId}", DeleteDataSpace).WithName("DeleteDataSpace")
            .WithSummary("Delete a data space; one holding data or bound to an instance needs force=true.");
        accounts.MapDelete("/data-spaces/{dataSpaceId}/instance", ReleaseDataSpace).WithName("ReleaseDataSpace")
            .WithSummary("Free a data space from the instance bound to it.");
        accounts.MapPost("/data-spaces/{dataSpaceId}/copy", CopyDataSpace).WithName("CopyDataSpace")
            .WithSummary("Copy every service's data of another data space into this one (R18); 202 while a service has not confirmed.");
        accounts.MapGet("/jobs", ListJobs).WithName("ListLifecycleJobs").WithSummary("The account's copy and delete jobs, newest first.");
        accounts.MapGet("/jobs/{jobId}", GetJob).WithName("GetLifecycleJob").WithSummary("A copy or delete job: where each service stands.");
        accounts.MapPost("/jobs/{jobId}/retry", RetryJob).WithName("RetryLifecycleJob")
            .WithSummary("Ask every service a job still waits for again, now (the platform also does by itself).");
        return app;
    }

    private static async Task<Results<Ok<IEnumerable<ProjectView>>, ProblemHttpResult>> ListProjects(
        string accountId, RegistryService registry, CancellationToken ct)
    {
        var outcome = await registry.ListProjectsAsync(accountId, ct);
        return outcome.ToOk(v => v.Select(ProjectView.Of));
    }

    private static async Task<Results<Created<ProjectView>, ProblemHttpResult>> CreateProject(
        string accountId, CreateProjectRequest? request, RegistryService registry, CancellationToken ct)
    {
        var outcome = await registry.CreateProjectAsync(accountId, request?.Name, ct);
        return outcome.Error is { } error ? Problems.Of(error)
            : TypedResults.Created($"/api/v1/accounts/{accountId}/projects", ProjectView.Of(outcome.Value!));
    }

    private static async Task<Results<Ok<QuotaView>, ProblemHttpResult>> Quota(string accountId, RegistryService registry, CancellationToken ct)
    {
        var spaces = await registry.ListDataSpacesAsync(accountId, ct);
        if (spaces.Error is { } error)
        {
            return Problems.Of(error);
        }

        var quota = await registry.QuotaOfAsync(accountId, ct);
        return TypedResults.Ok(new QuotaView(
            new QuotaView.Usage(quota.Production, spaces.Value!.Count(d => d.Type == DataSpaceType.Production)),
            new QuotaView.Usage(quota.Testing, spaces.Value!.Count(d => d.Type == DataSpaceType.Testing))));
    }

    private static async Task<Results<Ok<IEnumerable<DataSpaceView>>, ProblemHttpResult>> ListDataSpaces(
        string accountId, RegistryService registry, CancellationToken ct)
    {
        var outcome = await registry.ListDataSpacesAsync(accountId, ct);
        return outcome.ToOk(v => v.Select(DataSpaceViews.Of));
    }

    private static async Task<Results<Created<DataSpaceView>, ProblemHttpResult>> CreateDataSpace(
        string accountId, CreateDataSpaceRequest? request, RegistryService registry, HttpContext http, CancellationToken ct)
    {
        var outcome = await registry.CreateDataSpaceAsync(accountId, request?.ProjectId, request?.Name, request?.Type, http.Actor(), ct);
        return outcome.Error is { } error ? Problems.Of(error)
            : TypedResults.Created($"/api/v1/accounts/{accountId}/data-spaces/{outcome.Value!.Id}", DataSpaceViews.Of(outcome.Value));
    }

    private static async Task<Results<Ok<DataSpaceDetailsView>, ProblemHttpResult>> GetDataSpace(
        string accountId, string dataSpaceId, RegistryService registry, CancellationToken ct)
    {
        var outcome = await registry.GetDataSpaceAsync(accountId, dataSpaceId, ct);
        return outcome.ToOk(DataSpaceViews.Of);
    }

    private static async Task<Results<Ok<DataSpaceView>, ProblemHttpResult>> RenameDataSpace(
        string accountId, string dataSpaceId, RenameDataSpaceRequest? request, RegistryService registry, HttpContext http, CancellationToken ct)
    {
        var outcome = await registry.RenameDataSpaceAsync(accountId, dataSpaceId, request?.Name, http.Actor(), ct);
        return outcome.ToOk(DataSpaceViews.Of);
    }

    private static async Task<Results<Ok<DataSpaceDetailsView>, Accepted<DataSpaceDetailsView>, ProblemHttpResult>> DeleteDataSpace(
        string accountId, string dataSpaceId, bool? force, RegistryService registry, HttpContext http, CancellationToken ct)
    {
        var outcome = await registry.DeleteDataSpaceAsync(accountId, dataSpaceId, force ?? false, http.Actor(), ct);
        if (outcome.Error is { } error)
        {
            return Problems.Of(error);
        }

        // 202 while a service has not confirmed: the data space takes no calls and goes once the job is done.
        var view = DataSpaceViews.Of(outcome.Value!);
        return view.JobId is null ? TypedResults.Ok(view) : TypedResults.Accepted($"/api/v1/accounts/{accountId}/jobs/{view.JobId}", view);
    }

    private static async Task<Results<Ok<DataSpaceView>, ProblemHttpResult>> ReleaseDataSpace(
        string accountId, string dataSpaceId, RegistryService registry, HttpContext http, CancellationToken ct)
    {
        var outcome = await registry.ReleaseAsync(accountId, dataSpaceId, instanceId: null, http.Actor(), ct);
        return outcome.ToOk(DataSpaceViews.Of);
    }

    private static async Task<Results<Ok<CopyResult>, Accepted<CopyResult>, ProblemHttpResult>> CopyDataSpace(
        string accountId, string dataSpaceId, CopyDataSpaceRequest? request, RegistryService registry, HttpContext http, CancellationToken ct)
    {
        var outcome = await registry.CopyAsync(accountId, request?.From, dataSpaceId, request?.InstanceId, http.Actor(), ct);
        return outcome.Error is { } error ? Problems.Of(error)
            : outcome.Value!.Status == LifecycleJobStatuses.Done ? TypedResults.Ok(outcome.Value)
            : TypedResults.Accepted($"/api/v1/accounts/{accountId}/jobs/{outcome.Value.JobId}", outcome.Value);
    }

    private static async Task<Results<Ok<IReadOnlyList<LifecycleJobView>>, ProblemHttpResult>> ListJobs(
        string accountId, RegistryService registry, LifecycleJobs jobs, CancellationToken ct)
    {
        var account = await registry.ListDataSpacesAsync(accountId, ct);
        return account.Error is { } error ? Problems.Of(error) : TypedResults.Ok(await jobs.ListAsync(accountId, ct));
    }

    private static async Task<Results<Ok<LifecycleJobView>, ProblemHttpResult>> GetJob(string accountId, string jobId, LifecycleJobs jobs, CancellationToken ct) =>
        (await jobs.GetAsync(accountId, jobId, ct)).ToOk(j => j);

    private static async Task<Results<Ok<LifecycleJobView>, ProblemHttpResult>> RetryJob(string accountId, string jobId, LifecycleJobs jobs, CancellationToken ct)
    {
        var job = await jobs.GetAsync(accountId, jobId, ct);
        return job.Error is { } error ? Problems.Of(error) : TypedResults.Ok(await jobs.RunAsync(jobId, force: true, ct));
    }
}
