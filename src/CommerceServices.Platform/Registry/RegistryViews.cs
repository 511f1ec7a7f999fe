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
        return new(d.Id, d.Name, d.Type.ToName(), d.ProjectId, d.InstanceId, d.CreatedAt, details.Holdings);
    }
}

/// <summary>The registry as an instance sees it: <c>{"results": [{"id", "name", "dataSpaces": [...]}]}</c>.</summary>
public sealed record RegistryView(IReadOnlyList<RegistryView.ProjectEntry> Results)
{
    public sealed record ProjectEntry(string Id, string Name, IReadOnlyList<DataSpaceEntry> DataSpaces);

    public sealed record DataSpaceEntry(string Id, string Name, string Type, string? InstanceId);

    public static RegistryView Of(IEnumerable<Project> projects) => new(projects.Select(p => new ProjectEntry(p.Id, p.Name,
        p.DataSpaces.Select(d => new DataSpaceEntry(d.Id, d.Name, d.Type.ToName(), d.InstanceId)).ToList())).ToList());
}

public sealed record QuotaView(QuotaView.Usage Production, QuotaView.Usage Testing)
{
    public sealed record Usage(int Allowed, int Used);
}

public sealed record CreateProjectRequest(string? Name);

public sealed record CreateDataSpaceRequest(string? ProjectId, string? Name, string? Type);

public sealed record RenameDataSpaceRequest(string? Name);
