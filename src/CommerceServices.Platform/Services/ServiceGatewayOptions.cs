using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Services;

/// <summary>
/// The <c>ServiceGateway</c> configuration section: how the gateway forwards to registered services and signs its
/// tokens for them. The services themselves are the <c>Services</c> section (<see cref="ConfiguredServices"/>).
/// </summary>
public sealed class ServiceGatewayOptions
{
    public const string Section = "ServiceGateway";

    /// <summary>
    /// The platform's public portal URL: the <c>iss</c> of its tokens and where upstreams find
    /// <c>/.well-known/openid-configuration</c>. Default: the portal listener's own URL. Set it when the portal is
    /// reached through a reverse proxy (https://accounts.example.com).
    /// </summary>
    public Uri? Issuer { get; set; }

    /// <summary>How long a token the gateway signs for an upstream is valid: at most 60 seconds.</summary>
    public int TokenLifetimeSeconds { get; set; } = 60;

    /// <summary>
    /// 0 (the default): every forwarded call gets a token of its own, carrying that call's request id. More than 0: a
    /// caller's token for a service and data space is reused for up to this many seconds (at most the token lifetime
    /// less 10 s), and the request id travels in <c>x-request-id</c> only; it saves one ECDSA signature per call, the
    /// largest cost of forwarding (bench/proxy.sh).
    /// </summary>
    public int TokenReuseSeconds { get; set; }

    /// <summary>How long one signing key signs before the next takes over.</summary>
    public TimeSpan SigningKeyLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long the next signing key is published in the JWKS before it signs anything, so every upstream has fetched it
    /// first. Longer than the upstreams' metadata refresh (the stock JwtBearer handler refreshes every 12 hours).
    /// </summary>
    public TimeSpan SigningKeyPrePublication { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The <c>timeoutSeconds</c> of a service that sets none.</summary>
    public int DefaultTimeoutSeconds { get; set; } = 30;

    /// <summary>The <c>maxConcurrentRequests</c> of a service that sets none: its calls in progress on one node.</summary>
    public int DefaultMaxConcurrentRequests { get; set; } = 100;

    /// <summary>The largest request body forwarded to a service, in bytes; larger is 413 <c>request_too_large</c>.</summary>
    public long MaxRequestBodySize { get; set; } = 100 * 1024 * 1024;

    /// <summary>How often a service's <c>healthPath</c> is probed on each upstream.</summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a node trusts its copy of an account's entitlements; a change made on the node applies at once.</summary>
    public TimeSpan EntitlementCacheTime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often each node reads the service list and the signing keys again (besides when told of a change).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait between two tries of a service in a copy or delete job (the waits double up to it).</summary>
    public TimeSpan LifecycleRetryMaxDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long the platform waits for a service's lifecycle call (holdings, copy, delete).</summary>
    public TimeSpan LifecycleTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Stops the start with a sentence naming the key, instead of bending a bad value into one that works.</summary>
internal sealed class ServiceGatewayOptionsValidator : IValidateOptions<ServiceGatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, ServiceGatewayOptions options)
    {
        var failures = new List<string>();
        var section = ServiceGatewayOptions.Section;
        if (options.Issuer is { } issuer && (!issuer.IsAbsoluteUri || issuer.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(issuer.Query)))
        {
            failures.Add($"{section}:Issuer must be an absolute http or https URL such as https://accounts.example.com; '{issuer}' is not.");
        }

        if (options.TokenLifetimeSeconds is < 5 or > 60)
        {
            failures.Add($"{section}:TokenLifetimeSeconds must be between 5 and 60 (it is {options.TokenLifetimeSeconds}).");
        }

        if (options.TokenReuseSeconds < 0 || options.TokenReuseSeconds > Math.Max(0, options.TokenLifetimeSeconds - 10))
        {
            failures.Add($"{section}:TokenReuseSeconds must be between 0 (a token per call) and TokenLifetimeSeconds - 10 ({Math.Max(0, options.TokenLifetimeSeconds - 10)}); it is {options.TokenReuseSeconds}.");
        }

        if (options.SigningKeyLifetime < TimeSpan.FromMinutes(1) || options.SigningKeyLifetime > TimeSpan.FromDays(366))
        {
            failures.Add($"{section}:SigningKeyLifetime must be between 00:01:00 and 366.00:00:00 (it is {options.SigningKeyLifetime}).");
        }

        if (options.SigningKeyPrePublication < TimeSpan.Zero || options.SigningKeyPrePublication >= options.SigningKeyLifetime)
        {
            failures.Add($"{section}:SigningKeyPrePublication must be at least 0 and shorter than SigningKeyLifetime (it is {options.SigningKeyPrePublication}).");
        }

        if (options.DefaultTimeoutSeconds is < 1 or > ServiceRules.MaximumTimeoutSeconds)
        {
            failures.Add($"{section}:DefaultTimeoutSeconds must be between 1 and {ServiceRules.MaximumTimeoutSeconds} (it is {options.DefaultTimeoutSeconds}).");
        }

        if (options.DefaultMaxConcurrentRequests is < 1 or > ServiceRules.MaximumConcurrentRequests)
        {
            failures.Add($"{section}:DefaultMaxConcurrentRequests must be between 1 and {ServiceRules.MaximumConcurrentRequests} (it is {options.DefaultMaxConcurrentRequests}).");
        }

        if (options.MaxRequestBodySize is < 1024 or > 1L << 40)
        {
            failures.Add($"{section}:MaxRequestBodySize must be between 1024 bytes and 1 TiB (it is {options.MaxRequestBodySize}).");
        }

        foreach (var (key, value, min, max) in new[]
                 {
                     ("HealthCheckInterval", options.HealthCheckInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1)),
                     ("EntitlementCacheTime", options.EntitlementCacheTime, TimeSpan.Zero, TimeSpan.FromHours(1)),
                     ("RefreshInterval", options.RefreshInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1)),
                     ("LifecycleRetryMaxDelay", options.LifecycleRetryMaxDelay, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(24)),
                     ("LifecycleTimeout", options.LifecycleTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10)),
                 })
        {
            if (value < min || value > max)
            {
                failures.Add($"{section}:{key} must be between {min} and {max} (it is {value}).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
