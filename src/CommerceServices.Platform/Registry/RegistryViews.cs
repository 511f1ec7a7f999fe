using CommerceServices.Protocol.Registry;

namespace CommerceServices.Platform.Registry;

public sealed record ProjectView(string Id, string Name, DateTimeOffset CreatedAt)
{
    public static ProjectView Of(Project p) => new(p.Id, p.Name, p.CreatedAt);
}

/// <summary>The wire views of <c>CommerceServices.Protocol.Registry</c>, made from the stored entities.</summary>
public static class DataSpaceViews
{
    public static DataSpaceView Of(DataSpace d) => new(d.Id, d.Name, d.Type.ToName(), d.ProjectId, d.InstanceId, d.CreatedAt);

    public static DataSpaceDetailsView Of(DataSpaceDetails details)
    {
        var d = details.DataSpace;
        var pending = details.Job is { Status: LifecycleJobStatuses.Pending } job ? job : null;
        return new(d.Id, d.Name, d.Type.ToName(), d.ProjectId, d.InstanceId, d.CreatedAt, details.Holdings,
            pending is null ? null : d.DeletionRequestedAt, pending?.Id);
    }
}

/// <summary>Builds the registry listing instances read (DESIGN.md section 3): flat, one entry per data space.</summary>
public static class RegistryListings
{
    public static RegistryListing Of(IEnumerable<Project> projects)
    {
        var list = projects.ToList();
        return new RegistryListing(
            list.SelectMany(p => p.DataSpaces.Select(d => EntryOf(p, d))).ToList(),
            list.Select(p => new RegistryListingProject(p.Id, p.Name)).ToList());
    }

    public static RegistryEntry EntryOf(Project p, DataSpace d) => new(
        p.Id, p.Name, d.Id, d.Name,
        d.Type == DataSpaceType.Production ? RegistryEnvironmentTypes.Production : RegistryEnvironmentTypes.Testing,
        d.Type.ToName(), d.InstanceId, d.CloudId);
}

public sealed record QuotaView(QuotaView.Usage Production, QuotaView.Usage Testing)
{
    public sealed record Usage(int Allowed, int Used);
}

public sealed record CreateProjectRequest(string? Name);

public sealed record CreateDataSpaceRequest(string? ProjectId, string? Name, string? Type);

public sealed record RenameDataSpaceRequest(string? Name);
