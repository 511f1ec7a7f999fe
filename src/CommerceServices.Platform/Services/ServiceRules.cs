using System.Text.RegularExpressions;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Services;

namespace CommerceServices.Platform.Services;

/// <summary>
/// What makes a service registration valid, the same for the configuration, the API and the CLI: each mistake is one
/// <c>invalid_request</c> sentence naming the field and what it needs.
/// </summary>
public static partial class ServiceRules
{
    public const int MaximumTimeoutSeconds = 300;
    public const int MaximumConcurrentRequests = 100_000;
    public const int MaximumUpstreams = 16;

    /// <summary>
    /// Paths the gateways answer themselves (or may in the future): no service prefix may equal one, lie under one, or
    /// hold one.
    /// </summary>
    private static readonly string[] ReservedPrefixes = ["/merchant-registry", "/payments", "/api", "/.well-known", "/healthz", "/readyz"];

    /// <summary>
    /// Checks <paramref name="registration"/> and makes the definition it describes, with defaults for what it leaves
    /// out. <paramref name="id"/> is the id from the route (PUT) or the configuration key; when the body names another, that
    /// is a mistake.
    /// </summary>
    public static Outcome<ServiceDefinition> Define(ServiceRegistration? registration, string? id, string origin, ServiceGatewayOptions options,
        DateTimeOffset createdAt, DateTimeOffset now)
    {
        if (registration is null)
        {
            return Invalid("Send the service as a JSON object: id, name, pathPrefix, upstreams, and optionally dataSpace, environments, lifecycleUrl, timeoutSeconds, healthPath, maxConcurrentRequests.");
        }

        var givenId = registration.Id?.Trim();
        if (id is not null && givenId is not null && givenId != id)
        {
            return Invalid($"The body's 'id' ('{givenId}') is not the service in the address ('{id}'); a service's id cannot change.");
        }

        id ??= givenId;
        if (id is null || !IdPattern().IsMatch(id))
        {
            return Invalid("'id' must be 1 to 40 characters of a-z, 0-9 and '-', such as 'recommendations'.");
        }

        var name = registration.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100)
        {
            return Invalid("'name' must be 1 to 100 characters, such as 'Recommendations'.");
        }

        if (CheckPrefix(registration.PathPrefix) is { } prefixProblem)
        {
            return Invalid(prefixProblem);
        }

        var prefix = registration.PathPrefix!.Trim();
        var upstreams = new List<Uri>();
        foreach (var value in registration.Upstreams ?? [])
        {
            if (CheckUrl(value, "upstreams") is { } urlProblem)
            {
                return Invalid(urlProblem);
            }

            var url = new Uri(value.Trim().TrimEnd('/'));
            if (!upstreams.Contains(url))
            {
                upstreams.Add(url);
            }
        }

        if (upstreams.Count is 0 or > MaximumUpstreams)
        {
            return Invalid($"'upstreams' must list 1 to {MaximumUpstreams} base URLs of the service, such as [\"http://10.0.0.5:8080\"]; several are load balanced.");
        }

        var dataSpace = registration.DataSpace?.Trim().ToLowerInvariant() ?? DataSpaceModes.Required;
        if (!DataSpaceModes.All.Contains(dataSpace))
        {
            return Invalid($"'dataSpace' must be required, optional or none; '{registration.DataSpace}' is not.");
        }

        var environments = new List<GatewayEnvironment>();
        foreach (var value in registration.Environments is { Count: > 0 } given ? given : ["sandbox", "production"])
        {
            if (string.Equals(value?.Trim(), "both", StringComparison.OrdinalIgnoreCase))
            {
                environments.AddRange([GatewayEnvironment.Sandbox, GatewayEnvironment.Production]);
            }
            else if (GatewayEnvironments.TryParse(value?.Trim() ?? "", out var environment))
            {
                environments.Add(environment);
            }
            else
            {
                return Invalid($"'environments' lists sandbox, production or both; '{value}' is none of them.");
            }
        }

        Uri? lifecycle = null;
        if (!string.IsNullOrWhiteSpace(registration.LifecycleUrl))
        {
            if (CheckUrl(registration.LifecycleUrl, "lifecycleUrl") is { } lifecycleProblem)
            {
                return Invalid(lifecycleProblem);
            }

            // With a final slash, so the contract's relative paths land under it rather than beside it.
            lifecycle = new Uri(registration.LifecycleUrl.Trim().TrimEnd('/') + "/");
        }

        var timeout = registration.TimeoutSeconds ?? options.DefaultTimeoutSeconds;
        if (timeout is < 1 or > MaximumTimeoutSeconds)
        {
            return Invalid($"'timeoutSeconds' must be between 1 and {MaximumTimeoutSeconds}; {timeout} is not.");
        }

        var health = registration.HealthPath?.Trim();
        if (string.IsNullOrEmpty(health))
        {
            health = null;
        }
        else if (!health.StartsWith('/') || health.Length > 200 || health.Contains("//", StringComparison.Ordinal) || !Uri.IsWellFormedUriString(health, UriKind.Relative))
        {
            return Invalid($"'healthPath' must be a path on each upstream, such as /healthz; '{registration.HealthPath}' is not.");
        }

        var concurrency = registration.MaxConcurrentRequests ?? options.DefaultMaxConcurrentRequests;
        if (concurrency is < 1 or > MaximumConcurrentRequests)
        {
            return Invalid($"'maxConcurrentRequests' must be between 1 and {MaximumConcurrentRequests}; {concurrency} is not.");
        }

        return new ServiceDefinition(id, name, prefix, upstreams, dataSpace, environments.Distinct().Order().ToList(), lifecycle, timeout, health,
            concurrency, origin, createdAt, now);
    }

    /// <summary>The first service among <paramref name="others"/> whose prefix equals, contains or lies under <paramref name="prefix"/>.</summary>
    public static ServiceDefinition? Overlapping(string prefix, string id, IEnumerable<ServiceDefinition> others) =>
        others.FirstOrDefault(o => o.Id != id && Overlaps(prefix, o.PathPrefix));

    public static bool Overlaps(string a, string b) =>
        a == b || a.StartsWith(b + "/", StringComparison.Ordinal) || b.StartsWith(a + "/", StringComparison.Ordinal);

    private static string? CheckPrefix(string? value)
    {
        var prefix = value?.Trim();
        if (string.IsNullOrEmpty(prefix) || prefix.Length > 100 || !PrefixPattern().IsMatch(prefix))
        {
            return "'pathPrefix' must be a path of lower-case segments with no final slash, such as /recommendations/v1 " +
                   "(letters a-z, digits and . _ ~ -, at most 100 characters).";
        }

        var reserved = ReservedPrefixes.FirstOrDefault(r => Overlaps(prefix, r));
        return reserved is null ? null : $"'pathPrefix' {prefix} overlaps {reserved}, which the platform answers itself; choose another.";
    }

    private static string? CheckUrl(string? value, string field) =>
        Uri.TryCreate(value?.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && string.IsNullOrEmpty(uri.Query)
        && string.IsNullOrEmpty(uri.Fragment) && string.IsNullOrEmpty(uri.UserInfo) && uri.Host.Length > 0
            ? null
            : $"'{field}' takes absolute http or https URLs with no query, fragment or user name, such as http://10.0.0.5:8080; '{value}' is not one.";

    private static PlatformError Invalid(string message) => new(ProblemCodes.InvalidRequest, message);

    [GeneratedRegex("^[a-z0-9-]{1,40}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^(/[a-z0-9._~-]+)+$")]
    private static partial Regex PrefixPattern();
}
