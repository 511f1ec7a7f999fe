using CommerceServices.Protocol;
using CommerceServices.Protocol.Services;

namespace CommerceServices.Platform.Services;

/// <summary>
/// A service behind the gateways (R8, R11, R27), as every node holds it in memory: immutable, replaced whole when the
/// operator changes it. <see cref="InProcess"/> services (Payment Services) are answered by the platform itself; the
/// others are forwarded to <see cref="Upstreams"/> by YARP.
/// </summary>
public sealed record ServiceDefinition(
    string Id,
    string Name,
    string PathPrefix,
    IReadOnlyList<Uri> Upstreams,
    string DataSpace,
    IReadOnlyList<GatewayEnvironment> Environments,
    Uri? LifecycleUrl,
    int TimeoutSeconds,
    string? HealthPath,
    int MaxConcurrentRequests,
    string Origin,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>Answered inside the platform rather than forwarded.</summary>
    public bool InProcess => Origin == ServiceOrigins.BuiltIn;

    public bool RequiresDataSpace => DataSpace == DataSpaceModes.Required;

    public bool IsOfferedOn(GatewayEnvironment environment) => Environments.Contains(environment);

    public IReadOnlyList<string> EnvironmentNames => Environments.Select(e => e.ToName()).ToList();

    /// <summary>Every setting but the times, as one string: tells a real change from a second read of the same row.</summary>
    public string SettingsKey => string.Join('\n', Id, Name, PathPrefix, string.Join(' ', Upstreams), DataSpace, string.Join(' ', EnvironmentNames),
        LifecycleUrl, TimeoutSeconds, HealthPath, MaxConcurrentRequests, Origin);

    /// <summary>Payment Services: compiled into the platform, on both gateways, every call in a data space.</summary>
    public static ServiceDefinition Payments { get; } = new(
        Accounts.ServiceCatalog.Payments, "Payment Services", "/payments/v1", [], DataSpaceModes.Required,
        [GatewayEnvironment.Sandbox, GatewayEnvironment.Production], null, 30, null, 0, ServiceOrigins.BuiltIn,
        DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
}

/// <summary>A registered service as stored (table <c>Services</c>); lists are kept as text, one value a line.</summary>
public sealed class RegisteredService
{
    public required string Id { get; init; }

    public required string Name { get; set; }

    public required string PathPrefix { get; set; }

    /// <summary>Base URLs, one a line.</summary>
    public required string Upstreams { get; set; }

    public required string DataSpace { get; set; }

    /// <summary><c>sandbox</c>, <c>production</c>, one a line.</summary>
    public required string Environments { get; set; }

    public string? LifecycleUrl { get; set; }

    public int TimeoutSeconds { get; set; }

    public string? HealthPath { get; set; }

    public int MaxConcurrentRequests { get; set; }

    public required string Origin { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    public ServiceDefinition ToDefinition() => new(
        Id, Name, PathPrefix,
        Lines(Upstreams).Select(u => new Uri(u)).ToList(),
        DataSpace,
        Lines(Environments).Select(e => GatewayEnvironments.TryParse(e, out var env) ? env : GatewayEnvironment.Sandbox).Distinct().ToList(),
        LifecycleUrl is null ? null : new Uri(LifecycleUrl),
        TimeoutSeconds, HealthPath, MaxConcurrentRequests, Origin, CreatedAt, UpdatedAt);

    /// <summary>Copies <paramref name="definition"/> onto this row (its id and creation time stay).</summary>
    public void Apply(ServiceDefinition definition)
    {
        Name = definition.Name;
        PathPrefix = definition.PathPrefix;
        Upstreams = string.Join('\n', definition.Upstreams.Select(u => u.AbsoluteUri));
        DataSpace = definition.DataSpace;
        Environments = string.Join('\n', definition.EnvironmentNames);
        LifecycleUrl = definition.LifecycleUrl?.AbsoluteUri;
        TimeoutSeconds = definition.TimeoutSeconds;
        HealthPath = definition.HealthPath;
        MaxConcurrentRequests = definition.MaxConcurrentRequests;
        Origin = definition.Origin;
        UpdatedAt = definition.UpdatedAt;
    }

    public static RegisteredService From(ServiceDefinition definition)
    {
        var row = new RegisteredService
        {
            Id = definition.Id, Name = "", PathPrefix = "", Upstreams = "", DataSpace = "", Environments = "", Origin = "",
            CreatedAt = definition.CreatedAt,
        };
        row.Apply(definition);
        return row;
    }

    private static IEnumerable<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
