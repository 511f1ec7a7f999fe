using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Payments;

/// <summary>The <c>Payments</c> configuration section: how long a call may take at the processor, and how recovery runs.</summary>
public sealed class PaymentsOptions
{
    public const string Section = "Payments";

    /// <summary>
    /// The longest a processor call may take. It is also each call's deadline at the processor
    /// (<see cref="ProcessorOperation.NotAfter"/>) and how long the caller holds the operation before anyone else may finish it.
    /// </summary>
    public TimeSpan ProcessorTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a retry with the key of an unfinished call waits for its answer before answering 409 <c>idempotency_key_in_progress</c>.</summary>
    public TimeSpan RetryWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the recovery worker looks for operations left between phases (and removes expired keys).</summary>
    public TimeSpan RecoveryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Added to an operation's deadline before "the processor never received it" is taken as final: the difference the
    /// platform's and the processor's clocks may have.
    /// </summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The sandbox processor behaves like a remote one: a delay on each call, and failures at the given rates.</summary>
    public SandboxProcessorOptions Sandbox { get; set; } = new();
}

public sealed class SandboxProcessorOptions
{
    /// <summary>Delay before the sandbox does an operation, and again before its answer comes back.</summary>
    public TimeSpan Latency { get; set; } = TimeSpan.Zero;

    /// <summary>Share of calls (0–1) refused before anything is done: a processor outage. The call fails, nothing moves.</summary>
    public double FailureRate { get; set; }

    /// <summary>Share of calls (0–1) done whose answer is lost on the way back: the platform must find out what happened.</summary>
    public double LostAnswerRate { get; set; }
}

internal sealed class PaymentsOptionsValidator : IValidateOptions<PaymentsOptions>
{
    public ValidateOptionsResult Validate(string? name, PaymentsOptions options)
    {
        var failures = new List<string>();
        void Positive(TimeSpan value, string key, TimeSpan maximum)
        {
            if (value <= TimeSpan.Zero || value > maximum)
            {
                failures.Add($"{PaymentsOptions.Section}:{key} must be more than 0 and at most {maximum} (it is {value}).");
            }
        }

        Positive(options.ProcessorTimeout, nameof(PaymentsOptions.ProcessorTimeout), TimeSpan.FromMinutes(10));
        Positive(options.RetryWait, nameof(PaymentsOptions.RetryWait), TimeSpan.FromMinutes(10));
        Positive(options.RecoveryInterval, nameof(PaymentsOptions.RecoveryInterval), TimeSpan.FromHours(1));
        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromMinutes(10))
        {
            failures.Add($"{PaymentsOptions.Section}:{nameof(PaymentsOptions.ClockSkew)} must be from 0 to 10 minutes (it is {options.ClockSkew}).");
        }

        var sandbox = options.Sandbox;
        if (sandbox.Latency < TimeSpan.Zero || sandbox.Latency > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{PaymentsOptions.Section}:Sandbox:Latency must be from 0 to 1 minute (it is {sandbox.Latency}).");
        }

        foreach (var (rate, key) in new[] { (sandbox.FailureRate, "FailureRate"), (sandbox.LostAnswerRate, "LostAnswerRate") })
        {
            if (double.IsNaN(rate) || rate is < 0 or > 1)
            {
                failures.Add($"{PaymentsOptions.Section}:Sandbox:{key} must be a share from 0 to 1 (it is {rate}).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
