namespace CommerceServices.Protocol.Services;

// Services behind the gateway: how an operator registers one (the management API's body and view), written once here
// for the platform and the CLI.

/// <summary>The values of a service's <c>dataSpace</c>: whether a call must, may or must not name a data space.</summary>
public static class DataSpaceModes
{
    /// <summary>Every call names a data space (<c>x-data-space-id</c>); one without is 400 <c>data_space_required</c>.</summary>
    public const string Required = "required";

    /// <summary>A call may name one; when it does, it is checked like a required one.</summary>
    public const string Optional = "optional";

    /// <summary>The service keeps nothing per data space; a data space header is still checked when sent.</summary>
    public const string None = "none";

    public static IReadOnlyList<string> All { get; } = [Required, Optional, None];
}

/// <summary>Where a service was defined, which says where it is changed.</summary>
public static class ServiceOrigins
{
    /// <summary>Part of the platform (Payment Services): always listed, changed by no one.</summary>
    public const string BuiltIn = "built-in";

    /// <summary>The <c>Services</c> section of the configuration, read at start: change it there.</summary>
    public const string Configuration = "configuration";

    /// <summary>The management API or the CLI.</summary>
    public const string Api = "api";
}

/// <summary>
/// The body of <c>POST /api/v1/services</c> and <c>PUT /api/v1/services/{id}</c>. Unset optional members take their
/// defaults: both environments, <c>dataSpace</c> required, no lifecycle URL, the gateway's default timeout.
/// </summary>
public sealed record ServiceRegistration(
    string? Id,
    string? Name,
    string? PathPrefix,
    IReadOnlyList<string>? Upstreams,
    string? DataSpace = null,
    IReadOnlyList<string>? Environments = null,
    string? LifecycleUrl = null,
    int? TimeoutSeconds = null,
    string? HealthPath = null,
    int? MaxConcurrentRequests = null);

/// <summary>A registered service as the operator sees it, with the health of each of its upstreams on the node that answered.</summary>
public sealed record RegisteredServiceView(
    string Id,
    string Name,
    string PathPrefix,
    IReadOnlyList<string> Upstreams,
    string DataSpace,
    IReadOnlyList<string> Environments,
    string? LifecycleUrl,
    int TimeoutSeconds,
    string? HealthPath,
    int MaxConcurrentRequests,
    string Origin,
    bool InProcess,
    bool Healthy,
    IReadOnlyList<UpstreamHealthView> UpstreamHealth,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>
/// One upstream of a service: <c>healthy</c>, <c>unhealthy</c> (its health check or its recent failures say so; calls
/// skip it while another is healthy) or <c>unknown</c> (not checked yet).
/// </summary>
public sealed record UpstreamHealthView(string Url, string Health);
