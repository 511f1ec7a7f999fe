namespace CommerceServices.Platform.Registry;

/// <summary>A SaaS project of an account: the container of its data spaces. Every account gets one when it is created.</summary>
public sealed class Project
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string Name { get; set; }

    /// <summary>
    /// <see cref="Name"/> as names are compared (<see cref="ProjectNames.Normalize"/>), unique in the account. Null only
    /// for a project made before it was stored, until the start-up that fills it in.
    /// </summary>
    public string? NormalizedName { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public List<DataSpace> DataSpaces { get; init; } = [];
}

/// <summary>
/// Where an instance's data lives. At most one instance is bound to a data space at a time (R13); the number of data
/// spaces of each type an account may have is its quota (R3).
/// </summary>
public sealed class DataSpace
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string ProjectId { get; init; }

    public required string Name { get; set; }

    public DataSpaceType Type { get; init; }

    /// <summary>The instance bound to this data space, or null when it is free.</summary>
    public string? InstanceId { get; set; }

    /// <summary>
    /// The Magento Cloud environment that uses this data space, as a Magento Cloud store records it
    /// (<c>PUT …/registry/environments/{id}/cloudid/{cloudId}</c>); null when none did.
    /// </summary>
    public string? CloudId { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>
    /// Set when a delete began and waits for every service to confirm (a recorded job): from then on the data space
    /// takes no gateway calls, and it goes when the job is done.
    /// </summary>
    public DateTimeOffset? DeletionRequestedAt { get; set; }
}

public enum DataSpaceType
{
    Production,
    Testing,
}

public static class DataSpaceTypes
{
    public static string ToName(this DataSpaceType type) => type == DataSpaceType.Production ? "production" : "testing";

    public static bool TryParse(string? value, out DataSpaceType type)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case "production":
                type = DataSpaceType.Production;
                return true;
            case "testing":
                type = DataSpaceType.Testing;
                return true;
            default:
                type = default;
                return false;
        }
    }
}
