using CommerceServices.Protocol.Registry;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Registry;
using CommerceServices.Protocol;
using Microsoft.AspNetCore.Mvc;

namespace CommerceServices.Platform.Portal.Pages;

/// <summary>One data space: rename, release, copy into, delete (one holding data needs an explicit confirmation).</summary>
public sealed class DataSpaceModel(RegistryService registry) : PortalPageModel
{
    public DataSpace Space { get; private set; } = null!;

    public IReadOnlyList<Holding> Holdings { get; private set; } = [];

    public IReadOnlyList<DataSpace> Others { get; private set; } = [];

    public string? NewName { get; private set; }

    /// <summary>What deleting would lose, when the delete waits for confirmation.</summary>
    public string? Loss { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken ct) =>
        await LoadAsync(id, ct) ? Page() : NotFoundPage();

    public async Task<IActionResult> OnPostRenameAsync(string id, string? name, CancellationToken ct)
    {
        var outcome = await registry.RenameDataSpaceAsync(AccountId, id, name, Actor, ct);
        NewName = name;
        return await AfterAsync(id, outcome.Error, $"Renamed to '{name?.Trim()}'.", ct);
    }

    public async Task<IActionResult> OnPostReleaseAsync(string id, CancellationToken ct)
    {
        var outcome = await registry.ReleaseAsync(AccountId, id, instanceId: null, Actor, ct);
        return await AfterAsync(id, outcome.Error, "The data space is free; an instance may bind to it.", ct);
    }

    public async Task<IActionResult> OnPostCopyAsync(string id, string? from, CancellationToken ct)
    {
        // No instance id: a target bound to an instance is refused (bind it from that instance, or release it first).
        var outcome = await registry.CopyAsync(AccountId, from, id, instanceId: null, Actor, ct);
        return await AfterAsync(id, outcome.Error,
            outcome.Value is { } copied
                ? "Copied: " + string.Join("; ", copied.Copied.Select(c => c.IsKnown ? $"{c.Name ?? c.Service} {c.Items}" : c.Describe())) + "."
                : null, ct);
    }

    public async Task<IActionResult> OnPostDeleteAsync(string id, bool confirm, CancellationToken ct)
    {
        var outcome = await registry.DeleteDataSpaceAsync(AccountId, id, force: confirm, Actor, ct);
        if (outcome.Error is { Code: ProblemCodes.DataSpaceNotEmpty } refusal)
        {
            if (!await LoadAsync(id, ct))
            {
                return NotFoundPage();
            }

            Loss = refusal.Message.Replace(" Copy its data elsewhere first, or delete with force.", " Copy its data elsewhere first, or confirm below.", StringComparison.Ordinal);
            Response.StatusCode = StatusCodes.Status409Conflict;
            return Page();
        }

        if (outcome.Error is not null)
        {
            return NotFoundPage();
        }

        Notice = outcome.Value!.Job is { Status: LifecycleJobStatuses.Pending }
            ? $"Data space '{outcome.Value.DataSpace.Name}' is being deleted: it takes no more calls, and goes once every service has confirmed."
            : $"Data space '{outcome.Value.DataSpace.Name}' is deleted.";
        return LocalRedirect("/data-spaces");
    }

    private async Task<IActionResult> AfterAsync(string id, PlatformError? error, string? notice, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct))
        {
            return NotFoundPage();
        }

        if (error is not null)
        {
            Error = error;
            Response.StatusCode = error.Status;
            return Page();
        }

        Notice = notice;
        return LocalRedirect($"/data-spaces/{id}");
    }

    private async Task<bool> LoadAsync(string id, CancellationToken ct)
    {
        var details = await registry.GetDataSpaceAsync(AccountId, id, ct);
        if (details.Value is null)
        {
            return false;
        }

        Space = details.Value.DataSpace;
        Holdings = details.Value.Holdings;
        Others = ((await registry.ListDataSpacesAsync(AccountId, ct)).Value ?? []).Where(d => d.Id != id).ToList();
        return true;
    }
}
