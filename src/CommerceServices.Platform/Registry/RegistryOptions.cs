namespace CommerceServices.Platform.Registry;

/// <summary>The <c>Registry</c> configuration section: data space quotas (R3).</summary>
public sealed class RegistryOptions
{
    public const string Section = "Registry";

    /// <summary>What every account may have, entitled or not.</summary>
    public DataSpaceQuota BaseQuota { get; set; } = new() { Production = 1, Testing = 0 };

    /// <summary>Per service: what an account entitled to it may have. An account gets the largest that applies.</summary>
    public Dictionary<string, DataSpaceQuota> EntitlementQuotas { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["payments"] = new() { Production = 1, Testing = 2 },
    };
}

public sealed class DataSpaceQuota
{
    public int Production { get; set; }

    public int Testing { get; set; }

    public int Of(DataSpaceType type) => type == DataSpaceType.Production ? Production : Testing;
}
