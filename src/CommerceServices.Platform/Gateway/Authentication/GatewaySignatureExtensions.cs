using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Gateway.Authentication;

public static class GatewaySignatureExtensions
{
    /// <summary>Adds the gateway's signed-request authentication (DESIGN.md section 3) and what it needs.</summary>
    public static AuthenticationBuilder AddGatewaySignature(this AuthenticationBuilder builder,
        Action<GatewaySignatureOptions>? configure = null)
    {
        builder.Services.TryAddSingleton<KeyDirectory>();
        builder.Services.TryAddSingleton<ValidatedTokenCache>();
        builder.Services.TryAddSingleton<LastUseRecorder>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LastUseRecorder>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<GatewaySignatureOptions>, GatewaySignaturePostConfigureOptions>());
        return builder.AddScheme<GatewaySignatureOptions, GatewaySignatureAuthenticationHandler>(
            GatewaySignatureDefaults.AuthenticationScheme, configure);
    }
}

/// <summary>Fails fast on settings that would weaken the protocol.</summary>
internal sealed class GatewaySignaturePostConfigureOptions : IPostConfigureOptions<GatewaySignatureOptions>
{
    public void PostConfigure(string? name, GatewaySignatureOptions options)
    {
        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromMinutes(5))
        {
            throw new InvalidOperationException("GatewaySignatureOptions.ClockSkew must be between 0 and 5 minutes.");
        }

        if (options.MaximumTokenLifetime <= TimeSpan.Zero || options.MaximumTokenLifetime > TimeSpan.FromHours(1))
        {
            throw new InvalidOperationException("GatewaySignatureOptions.MaximumTokenLifetime must be between 0 and 1 hour.");
        }

        if (options.ValidatedTokenCacheSize < 0)
        {
            throw new InvalidOperationException("GatewaySignatureOptions.ValidatedTokenCacheSize cannot be negative.");
        }
    }
}
