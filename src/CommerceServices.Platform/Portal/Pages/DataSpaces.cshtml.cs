using CommerceServices.Protocol.Registry;
using CommerceServices.Platform.Registry;
using CommerceServices.Protocol;
using Microsoft.AspNetCore.Mvc;

namespace CommerceServices.Platform.Portal.Pages;

public sealed class DataSpacesModel(RegistryService registry) : PortalPageModel
{
    private readonly Dictionary<string, IReadOnlyList<Holding>> _holdings = [];

    public IReadOnlyList<Project> Projects { get; private set; } = [];

    public DataSpaceQuota Quota { get; private set; } = new();

    public CreateInput Input { get; private set; } = new(null, null, "testing");

    public string? ProjectName { get; private set; }

    public int Used(DataSpaceType type) => Projects.SelectMany(p => p.DataSpaces).Count(d => d.Type == type);

    /// <summary>What the data space holds, in each service's own words ("1 payment, 1 declined attempt"); unknown is said, never "nothing".</summary>
    public string DescribeHoldings(string dataSpaceId) =>
        _holdings.TryGetValue(dataSpaceId, out var holdings) ? Holding.DescribeHeld(holdings) : "nothing";

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task<IActionResult> OnPostCreateAsync(string? projectId, string? name, string? type, CancellationToken ct)
    {
        var outcome = await registry.CreateDataSpaceAsync(AccountId, projectId, name, type, Actor, ct);
        if (outcome.Error is { } error)
        {
            Input = new CreateInput(projectId, name, type);
            // quota_exceeded in words: the service's sentence says how many are allowed and what to do.
            Error = error.Code == ProblemCodes.QuotaExceeded
                ? error with { Message = "No room for another data space of this type. " + error.Message }
                : error;
            Response.StatusCode = error.Status;
            await LoadAsync(ct);
            return Page();
        }

        Notice = $"Data space '{outcome.Value!.Name}' is created ({outcome.Value.Id}).";
        return LocalRedirect("/data-spaces");
    }

    public async Task<IActionResult> OnPostProjectAsync(string? projectName, CancellationToken ct)
    {
        var outcome = await registry.CreateProjectAsync(AccountId, projectName, ct);
        if (outcome.Error is { } error)
        {
            Error = error;
            ProjectName = projectName;
            Response.StatusCode = error.Status;
            await LoadAsync(ct);
            return Page();
        }

        Notice = $"Project '{outcome.Value!.Name}' is created.";
        return LocalRedirect("/data-spaces");
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Projects = (await registry.ListProjectsAsync(AccountId, ct)).Value ?? [];
        Quota = await registry.QuotaOfAsync(AccountId, ct);
        foreach (var space in Projects.SelectMany(p => p.DataSpaces))
        {
            _holdings[space.Id] = await registry.HoldingsAsync(AccountId, space.Id, ct);
        }
    }

    public sealed record CreateInput(string? ProjectId, string? Name, string? Type);
}
