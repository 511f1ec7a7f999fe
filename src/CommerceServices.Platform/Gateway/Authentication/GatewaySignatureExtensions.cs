using CommerceServices.Platform.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Gateway.Authentication;

public static class GatewaySignatureExtensions
{
    /// <summary>
    /// Adds the gateway's signed-request authentication (DESIGN.md section 3) and what it needs. Its clock skew comes
    /// from <c>Gateway:ClockSkewSeconds</c> and its verified-token memory from <c>Gateway:VerifiedTokenCacheSize</c>; its options are validated when the platform starts.
    /// </summary>
    public static AuthenticationBuilder AddGatewaySignature(this AuthenticationBuilder builder,
        Action<GatewaySignatureOptions>? configure = null)
    {
        builder.Services.TryAddSingleton<GatewayAuthenticator>();
        builder.Services.TryAddSingleton<KeyDirectory>();
        builder.Services.TryAddSingleton<ValidatedTokenCache>();
        builder.Services.TryAddSingleton<LastUseRecorder>();
        builder.Services.AddFailureThrottle();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LastUseRecorder>());
        builder.Services.AddOptions<GatewaySignatureOptions>(GatewaySignatureDefaults.AuthenticationScheme)
            .Configure<IOptions<GatewayOptions>>((o, gateway) =>
            {
                o.ClockSkew = TimeSpan.FromSeconds(gateway.Value.ClockSkewSeconds);
                o.ValidatedTokenCacheSize = gateway.Value.VerifiedTokenCacheSize;
            })
            .ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewaySignatureOptions>, GatewaySignatureOptionsValidator>());
        return builder.AddScheme<GatewaySignatureOptions, GatewaySignatureAuthenticationHandler>(
            GatewaySignatureDefaults.AuthenticationScheme, configure);
    }
}

/// <summary>Stops the start on settings that would weaken the protocol, with a sentence naming the setting.</summary>
internal sealed class GatewaySignatureOptionsValidator : IValidateOptions<GatewaySignatureOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewaySignatureOptions options)
    {
        var failures = new List<string>();
        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromSeconds(GatewayOptions.MaximumClockSkewSeconds))
        {
            failures.Add($"GatewaySignatureOptions.ClockSkew (set by {GatewayOptions.Section}:{nameof(GatewayOptions.ClockSkewSeconds)}) must be " +
                         $"between 0 and {GatewayOptions.MaximumClockSkewSeconds} seconds (it is {options.ClockSkew.TotalSeconds} s).");
        }

        if (options.MaximumTokenLifetime < TimeSpan.FromSeconds(1) || options.MaximumTokenLifetime > TimeSpan.FromHours(1))
        {
            failures.Add($"GatewaySignatureOptions.MaximumTokenLifetime must be between 1 second and 1 hour (it is {options.MaximumTokenLifetime}).");
        }

        if (options.ValidatedTokenCacheSize < 0)
        {
            failures.Add($"GatewaySignatureOptions.ValidatedTokenCacheSize cannot be negative (it is {options.ValidatedTokenCacheSize}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
