using CommerceServices.Protocol;

namespace CommerceServices.Connector;

/// <summary>
/// One environment's key pair as the merchant entered it: the public API key and the private key (PEM). The private
/// key is never part of <see cref="ToString"/>, so a settings object that reaches a log gives nothing away.
/// </summary>
public sealed class EnvironmentKeys(string apiKey, string privateKeyPem) : IEquatable<EnvironmentKeys>
{
    public string ApiKey { get; } = apiKey;

    /// <summary>The private key as PEM. Kept in memory only as long as the settings are; stored encrypted.</summary>
    public string PrivateKeyPem { get; } = privateKeyPem;

    public bool Equals(EnvironmentKeys? other) =>
        other is not null && ApiKey == other.ApiKey && PrivateKeyPem == other.PrivateKeyPem;

    public override bool Equals(object? obj) => Equals(obj as EnvironmentKeys);

    public override int GetHashCode() => HashCode.Combine(ApiKey, PrivateKeyPem);

    public override string ToString() => $"{ApiKey} (private key hidden)";
}

/// <summary>
/// What the connector keeps (R1, R2): both key pairs, the SaaS identifier (project and data space), this instance's
/// id, which environment is active, and the gateway URLs when they differ from the configured defaults.
/// </summary>
public sealed record ConnectorSettings
{
    /// <summary>This instance's id: made once when the store is first used, never changed afterwards (R13).</summary>
    public required string InstanceId { get; init; }

    /// <summary>The environment whose keys sign requests; null means the configured default.</summary>
    public GatewayEnvironment? Environment { get; init; }

    public EnvironmentKeys? Sandbox { get; init; }

    public EnvironmentKeys? Production { get; init; }

    public string? ProjectId { get; init; }

    /// <summary>The data space this instance is bound to. Set only once the platform accepted the binding.</summary>
    public string? DataSpaceId { get; init; }

    public Uri? SandboxGatewayUrl { get; init; }

    public Uri? ProductionGatewayUrl { get; init; }

    public EnvironmentKeys? KeysFor(GatewayEnvironment environment) =>
        environment == GatewayEnvironment.Production ? Production : Sandbox;

    public ConnectorSettings WithKeys(GatewayEnvironment environment, EnvironmentKeys? keys) =>
        environment == GatewayEnvironment.Production ? this with { Production = keys } : this with { Sandbox = keys };

    public static string NewInstanceId() => "inst_" + Guid.NewGuid().ToString("N");
}
