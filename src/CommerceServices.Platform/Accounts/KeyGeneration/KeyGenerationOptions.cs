using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Accounts.KeyGeneration;

/// <summary>
/// The <c>Keys</c> configuration section: how many key pairs the platform makes per account, and how much of the node it
/// may spend making them. Validated at start (<see cref="KeyGenerationOptionsValidator"/>).
/// </summary>
public sealed class KeyGenerationOptions
{
    public const string Section = "Keys";

    /// <summary>
    /// Platform-made pairs (create and roll) per account per minute, sustained. A merchant needs two pairs (sandbox and
    /// production) and now and then a roll or a replacement (R9); ten a minute is never in a person's way, and costs at
    /// most about one second of CPU a minute per account.
    /// </summary>
    public int GenerationsPerMinute { get; set; } = 10;

    /// <summary>Platform-made pairs one account may ask for at once before the sustained rate applies (create both, roll both, one retry).</summary>
    public int GenerationBurst { get; set; } = 5;

    /// <summary>
    /// Dedicated threads that make keys; 0 means half the processors, at least one, so key generation never takes every
    /// core from gateway traffic.
    /// </summary>
    public int GenerationThreads { get; set; }

    /// <summary>Generations that may wait for a thread; one more is refused at once (503 <c>key_generation_busy</c>).</summary>
    public int GenerationQueueLength { get; set; } = 16;

    public const int MaximumGenerationThreads = 64;

    public int EffectiveGenerationThreads => GenerationThreads > 0 ? GenerationThreads : Math.Max(1, Environment.ProcessorCount / 2);
}

/// <summary>Stops the start with a sentence naming the key, instead of clamping a bad value silently.</summary>
internal sealed class KeyGenerationOptionsValidator : IValidateOptions<KeyGenerationOptions>
{
    public ValidateOptionsResult Validate(string? name, KeyGenerationOptions options)
    {
        var failures = new List<string>();
        if (options.GenerationsPerMinute is < 1 or > 1_000_000)
        {
            failures.Add($"{KeyGenerationOptions.Section}:{nameof(KeyGenerationOptions.GenerationsPerMinute)} must be between 1 and 1000000 (it is {options.GenerationsPerMinute}).");
        }

        if (options.GenerationBurst is < 1 or > 1_000_000)
        {
            failures.Add($"{KeyGenerationOptions.Section}:{nameof(KeyGenerationOptions.GenerationBurst)} must be between 1 and 1000000 (it is {options.GenerationBurst}).");
        }

        if (options.GenerationThreads is < 0 or > KeyGenerationOptions.MaximumGenerationThreads)
        {
            failures.Add($"{KeyGenerationOptions.Section}:{nameof(KeyGenerationOptions.GenerationThreads)} must be between 0 (half the processors) and " +
                         $"{KeyGenerationOptions.MaximumGenerationThreads} (it is {options.GenerationThreads}).");
        }

        if (options.GenerationQueueLength is < 1 or > 100_000)
        {
            failures.Add($"{KeyGenerationOptions.Section}:{nameof(KeyGenerationOptions.GenerationQueueLength)} must be between 1 and 100000 (it is {options.GenerationQueueLength}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

public static class KeyGenerationExtensions
{
    /// <summary>The key generator, its per-account allowance and their validated options.</summary>
    public static IServiceCollection AddKeyGeneration(this IServiceCollection services)
    {
        services.AddOptions<KeyGenerationOptions>().BindConfiguration(KeyGenerationOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<KeyGenerationOptions>, KeyGenerationOptionsValidator>();
        services.TryAddSingleton<RsaKeySource>();
        services.AddSingleton<RsaKeyGenerator>();
        services.AddSingleton<KeyGenerationAllowance>();
        return services;
    }
}
