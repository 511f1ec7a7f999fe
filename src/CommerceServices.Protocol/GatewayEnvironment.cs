using System.Text.Json.Serialization;

namespace CommerceServices.Protocol;

/// <summary>
/// The two worlds a key pair lives in. A key works only on the gateway of its own environment (R16). In JSON the names
/// used on the wire everywhere else: <c>sandbox</c>, <c>production</c>.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<GatewayEnvironment>))]
public enum GatewayEnvironment
{
    [JsonStringEnumMemberName(GatewayEnvironments.SandboxName)]
    Sandbox,

    [JsonStringEnumMemberName(GatewayEnvironments.ProductionName)]
    Production,
}

public static class GatewayEnvironments
{
    public const string SandboxName = "sandbox";
    public const string ProductionName = "production";

    public static IReadOnlyList<string> Names { get; } = [SandboxName, ProductionName];

    /// <summary>The name used on the wire, in the database and on the command line.</summary>
    public static string ToName(this GatewayEnvironment environment) => environment switch
    {
        GatewayEnvironment.Sandbox => SandboxName,
        GatewayEnvironment.Production => ProductionName,
        _ => throw new ArgumentOutOfRangeException(nameof(environment), environment, null),
    };

    /// <summary>Parses <c>sandbox</c> or <c>production</c> (case-insensitive); anything else is refused.</summary>
    public static bool TryParse(string? value, out GatewayEnvironment environment)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case SandboxName:
                environment = GatewayEnvironment.Sandbox;
                return true;
            case ProductionName:
                environment = GatewayEnvironment.Production;
                return true;
            default:
                environment = default;
                return false;
        }
    }
}
