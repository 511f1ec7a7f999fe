using System.Globalization;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Webhooks;

/// <summary>The <c>Webhooks</c> configuration section; checked at start (<see cref="WebhooksOptionsValidator"/>).</summary>
public sealed class WebhooksOptions
{
    public const string Section = "Webhooks";

    public const string DefaultRetrySchedule = "5s,5m,30m,2h,5h,10h,10h,24h,24h";

    /// <summary>
    /// The delays between attempts, comma-separated (<c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>, <c>d</c>). Retry n is due that
    /// long after the attempt before it was due (±20% jitter); after the last one fails, the delivery has failed. The
    /// default retries for about 3 days.
    /// </summary>
    public string RetrySchedule { get; set; } = DefaultRetrySchedule;

    /// <summary>How long a receiver has to answer one attempt.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Lets endpoints of both environments target loopback, private and link-local addresses, and production endpoints
    /// use those addresses without a public name. For the tests and a platform on a closed network only.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>
    /// Lets sandbox endpoints target loopback and private addresses (a shop under development on this machine or
    /// network). True by default; set it to false on a platform that merchants outside your network use.
    /// </summary>
    public bool SandboxPrivateTargets { get; set; } = true;

    /// <summary>An endpoint whose every attempt fails for this long is disabled, and its account told.</summary>
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromDays(5);

    /// <summary>Failed attempts in a row after which an endpoint counts as down: new events wait, one probe goes every <see cref="ProbeInterval"/>.</summary>
    public int CircuitThreshold { get; set; } = 5;

    /// <summary>How often a down endpoint gets one waiting delivery early, to notice its return.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Requests this node has in flight at most.</summary>
    public int Concurrency { get; set; } = 64;

    /// <summary>Deliveries claimed per query.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>How often an idle worker looks for due deliveries (made by other nodes, or retries coming due).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Attempts older than this are deleted (deliveries stay).</summary>
    public TimeSpan AttemptRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Whether this node sends deliveries. Every node does by default; they share the work.</summary>
    public bool DeliveryEnabled { get; set; } = true;

    /// <summary>The name of this node in the attempts it records; the machine and process by default.</summary>
    public string? NodeName { get; set; }

    public int MaximumEndpointsPerAccount { get; set; } = 20;

    /// <summary>The longest a rolled secret may stay valid beside the new one.</summary>
    public static readonly TimeSpan MaximumOverlap = TimeSpan.FromDays(7);

    /// <summary>The parsed <see cref="RetrySchedule"/>; valid after start-up validation.</summary>
    public IReadOnlyList<TimeSpan> Schedule => TryParseSchedule(RetrySchedule, out var schedule, out _) ? schedule : [];

    /// <summary>
    /// How long a claimed delivery is held: twice the request's timeout and 5 seconds, time enough to send it and record its
    /// result. A delivery left by a node that died is sent again after this.
    /// </summary>
    public TimeSpan Lease => Timeout * 2 + TimeSpan.FromSeconds(5);

    public string Node => string.IsNullOrWhiteSpace(NodeName) ? $"{Environment.MachineName}:{Environment.ProcessId}" : NodeName;

    public static bool TryParseSchedule(string? text, out IReadOnlyList<TimeSpan> schedule, out string? error)
    {
        var delays = new List<TimeSpan>();
        schedule = delays;
        error = null;
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.TrimEntries))
        {
            var unit = part.EndsWith("ms", StringComparison.Ordinal) ? "ms" : part.Length > 0 ? part[^1..] : "";
            var number = part[..^unit.Length];
            var factor = unit switch
            {
                "ms" => 1L,
                "s" => 1_000L,
                "m" => 60_000L,
                "h" => 3_600_000L,
                "d" => 86_400_000L,
                _ => 0L,
            };
            if (factor == 0 || !long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0 || value > 30L * 86_400_000 / factor)
            {
                error = $"'{part}' is not a delay: write a whole number and ms, s, m, h or d (at most 30 days), such as {DefaultRetrySchedule}.";
                return false;
            }

            delays.Add(TimeSpan.FromMilliseconds(value * factor));
        }

        if (delays.Count is 0 or > 50)
        {
            error = "Write 1 to 50 delays, comma-separated.";
            return false;
        }

        return true;
    }
}

/// <summary>Refuses a <c>Webhooks</c> section that could not work, naming the key, instead of clamping it silently.</summary>
internal sealed class WebhooksOptionsValidator : IValidateOptions<WebhooksOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhooksOptions options)
    {
        var failures = new List<string>();
        if (!WebhooksOptions.TryParseSchedule(options.RetrySchedule, out _, out var error))
        {
            failures.Add($"Webhooks:RetrySchedule: {error}");
        }

        if (options.Timeout < TimeSpan.FromMilliseconds(100) || options.Timeout > TimeSpan.FromMinutes(2))
        {
            failures.Add("Webhooks:Timeout must be between 100 ms and 2 minutes (00:00:15 is the default).");
        }

        if (options.DisableAfter < TimeSpan.FromSeconds(1))
        {
            failures.Add("Webhooks:DisableAfter must be at least 1 second (5.00:00:00 is the default).");
        }

        if (options.CircuitThreshold is < 1 or > 1000)
        {
            failures.Add("Webhooks:CircuitThreshold must be between 1 and 1000.");
        }

        if (options.ProbeInterval < TimeSpan.FromMilliseconds(100))
        {
            failures.Add("Webhooks:ProbeInterval must be at least 100 ms.");
        }

        if (options.Concurrency is < 1 or > 1024)
        {
            failures.Add("Webhooks:Concurrency must be between 1 and 1024.");
        }

        if (options.BatchSize is < 1 or > 1000)
        {
            failures.Add("Webhooks:BatchSize must be between 1 and 1000.");
        }

        if (options.PollInterval < TimeSpan.FromMilliseconds(10) || options.PollInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add("Webhooks:PollInterval must be between 10 ms and 1 minute.");
        }

        if (options.AttemptRetention < TimeSpan.FromHours(1))
        {
            failures.Add("Webhooks:AttemptRetention must be at least 1 hour.");
        }

        if (options.MaximumEndpointsPerAccount < 1)
        {
            failures.Add("Webhooks:MaximumEndpointsPerAccount must be at least 1.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
