using Microsoft.Extensions.Options;

namespace CommerceServices.Service;

/// <summary>How a service behind the gateway checks the gateway's token; bound from the <c>CommerceServices:Gateway</c> section by default.</summary>
public sealed class CommerceServicesGatewayOptions
{
    public const string Section = "CommerceServices:Gateway";

    /// <summary>
    /// The platform's public portal URL: the issuer of the token, where <c>/.well-known/openid-configuration</c> and the
    /// signing keys are (https://accounts.example.com; http is accepted on loopback only).
    /// </summary>
    public Uri? Authority { get; set; }

    /// <summary>This service's id in the platform's registry: the token's audience (<c>recommendations</c>).</summary>
    public string? ServiceId { get; set; }

    /// <summary>
    /// How often the platform's signing keys are read again, so a key the platform publishes ahead of a roll is known
    /// before it signs. Keep it well below the platform's <c>ServiceGateway:SigningKeyPrePublication</c> (one day by default).
    /// </summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Tolerated difference between the platform's clock and this one's.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}

internal sealed class CommerceServicesGatewayOptionsValidator : IValidateOptions<CommerceServicesGatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, CommerceServicesGatewayOptions options)
    {
        var failures = new List<string>();
        if (options.Authority is not { IsAbsoluteUri: true } authority || authority.Scheme is not ("https" or "http"))
        {
            failures.Add($"{CommerceServicesGatewayOptions.Section}:Authority must be the platform's public portal URL, such as https://accounts.example.com.");
        }
        else if (authority.Scheme == "http" && !authority.IsLoopback)
        {
            failures.Add($"{CommerceServicesGatewayOptions.Section}:Authority must be https (http only on loopback): the signing keys are read from it.");
        }

        if (string.IsNullOrWhiteSpace(options.ServiceId))
        {
            failures.Add($"{CommerceServicesGatewayOptions.Section}:ServiceId must be this service's id in the platform's registry, such as recommendations.");
        }

        if (options.KeyRefreshInterval < TimeSpan.FromSeconds(1) || options.KeyRefreshInterval > TimeSpan.FromDays(1))
        {
            failures.Add($"{CommerceServicesGatewayOptions.Section}:KeyRefreshInterval must be between 00:00:01 and 1.00:00:00.");
        }

        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{CommerceServicesGatewayOptions.Section}:ClockSkew must be between 0 and 00:05:00.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
