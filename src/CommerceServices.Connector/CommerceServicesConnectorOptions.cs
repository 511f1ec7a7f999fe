using CommerceServices.Protocol;

namespace CommerceServices.Connector;

/// <summary>The <c>CommerceServices</c> configuration section. Values saved in the settings store win over these.</summary>
public sealed class CommerceServicesConnectorOptions
{
    public const string Section = "CommerceServices";

    public const string DefaultProductionGatewayUrl = "http://127.0.0.1:5081";
    public const string DefaultSandboxGatewayUrl = "http://127.0.0.1:5082";

    /// <summary>The production gateway, used when the store does not name one.</summary>
    public Uri ProductionGatewayUrl { get; set; } = new(DefaultProductionGatewayUrl);

    /// <summary>The sandbox gateway, used when the store does not name one.</summary>
    public Uri SandboxGatewayUrl { get; set; } = new(DefaultSandboxGatewayUrl);

    /// <summary>The environment whose keys sign requests, used when the store does not name one: <c>sandbox</c> or <c>production</c>.</summary>
    public string Environment { get; set; } = GatewayEnvironments.SandboxName;

    /// <summary>The folder of the settings store; by default <c>CommerceServices</c> under the user's local application data.</summary>
    public string? StoreDirectory { get; set; }

    /// <summary>How many times a transient failure (network error, 5xx, 429) is retried.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first retry's delay; later ones double, with jitter. A 429's Retry-After wins.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long one attempt may take before it counts as a timeout.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a call may take in all, its attempts and the waits between them; longer than <see cref="AttemptTimeout"/>.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The share of failed attempts (network errors, timeouts, 5xx) to one gateway, over the last 30 seconds (or two
    /// attempt timeouts), that opens its circuit breaker.
    /// </summary>
    public double BreakFailureRatio { get; set; } = 0.5;

    /// <summary>How many attempts to a gateway must have been made in that window before the breaker may open.</summary>
    public int BreakMinimumThroughput { get; set; } = 10;

    /// <summary>How long calls to a gateway whose breaker opened fail at once, before one tries it again.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    internal string ResolveStoreDirectory() =>
        string.IsNullOrWhiteSpace(StoreDirectory)
            ? Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.LocalApplicationData,
                System.Environment.SpecialFolderOption.Create), "CommerceServices")
            : Path.GetFullPath(StoreDirectory);
}
