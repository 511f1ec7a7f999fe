using CommerceServices.Platform.Registry;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Hosting;

/// <summary>
/// Checks the <c>Platform</c> section at start: a bad value stops the start with a sentence naming its key, instead of
/// failing later or being bent into something that works by accident.
/// </summary>
internal sealed class PlatformOptionsValidator : IValidateOptions<PlatformOptions>
{
    public ValidateOptionsResult Validate(string? name, PlatformOptions options)
    {
        var failures = new List<string>();
        var ports = new List<int>();
        foreach (var (key, url) in new[]
                 {
                     (nameof(PlatformOptions.PortalUrl), options.PortalUrl),
                     (nameof(PlatformOptions.ProductionGatewayUrl), options.ProductionGatewayUrl),
                     (nameof(PlatformOptions.SandboxGatewayUrl), options.SandboxGatewayUrl),
                 }.Concat(string.IsNullOrWhiteSpace(options.OperatorUrl) ? [] : new[] { (nameof(PlatformOptions.OperatorUrl), options.OperatorUrl!) }))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath != "/"
                || !string.IsNullOrEmpty(uri.Query))
            {
                failures.Add($"{PlatformOptions.Section}:{key} must be an http URL with an address and a port, such as http://127.0.0.1:5080 " +
                             $"(put TLS in front with a reverse proxy); '{url}' is not.");
            }
            else if (uri.Port != 0)
            {
                ports.Add(uri.Port);
            }
        }

        if (ports.Count != ports.Distinct().Count())
        {
            failures.Add($"{PlatformOptions.Section}:PortalUrl, ProductionGatewayUrl, SandboxGatewayUrl (and OperatorUrl, when set) must use different ports.");
        }

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            failures.Add($"{PlatformOptions.Section}:DataDirectory must name a folder (default: data).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

public static class StartupValidationExtensions
{
    /// <summary>Validates the <c>Platform</c> and <c>Registry</c> sections when the host starts (<c>Storage</c>: see AddPlatformStorage).</summary>
    public static IServiceCollection AddStartupValidation(this IServiceCollection services)
    {
        services.AddOptions<PlatformOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<PlatformOptions>, PlatformOptionsValidator>();
        services.AddOptions<RegistryOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<RegistryOptions>, RegistryOptionsValidator>();
        return services;
    }
}
