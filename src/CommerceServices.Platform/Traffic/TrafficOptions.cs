using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Traffic;

/// <summary>The <c>Traffic</c> configuration section: the gateway's per-minute rollups.</summary>
public sealed class TrafficOptions
{
    public const string Section = "Traffic";

    /// <summary>How often a node writes its counts, in one batch (never a write per request).</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long rollups are kept; older minutes are deleted once an hour.</summary>
    public int RetentionDays { get; set; } = 30;

    /// <summary>Distinct refused API keys one node records per minute; refusals of further keys are summed as one row.</summary>
    public int RefusedKeysPerMinute { get; set; } = 1000;
}

internal sealed class TrafficOptionsValidator : IValidateOptions<TrafficOptions>
{
    public ValidateOptionsResult Validate(string? name, TrafficOptions options)
    {
        var failures = new List<string>();
        if (options.FlushInterval < TimeSpan.FromMilliseconds(50) || options.FlushInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{TrafficOptions.Section}:{nameof(TrafficOptions.FlushInterval)} must be between 00:00:00.05 and 00:01:00 (it is {options.FlushInterval}).");
        }

        if (options.RetentionDays is < 1 or > 366)
        {
            failures.Add($"{TrafficOptions.Section}:{nameof(TrafficOptions.RetentionDays)} must be between 1 and 366 (it is {options.RetentionDays}).");
        }

        if (options.RefusedKeysPerMinute is < 10 or > 100_000)
        {
            failures.Add($"{TrafficOptions.Section}:{nameof(TrafficOptions.RefusedKeysPerMinute)} must be between 10 and 100000 (it is {options.RefusedKeysPerMinute}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
