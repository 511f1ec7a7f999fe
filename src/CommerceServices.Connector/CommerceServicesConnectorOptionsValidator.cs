using CommerceServices.Protocol;
using Microsoft.Extensions.Options;

namespace CommerceServices.Connector;

/// <summary>
/// Checks the <c>CommerceServices</c> section when the app starts: a bad value stops the start with a sentence naming
/// its key, instead of being bent into something that works by accident.
/// </summary>
internal sealed class CommerceServicesConnectorOptionsValidator : IValidateOptions<CommerceServicesConnectorOptions>
{
    private const string Section = CommerceServicesConnectorOptions.Section;

    public ValidateOptionsResult Validate(string? name, CommerceServicesConnectorOptions options)
    {
        var failures = new List<string>();
        if (!GatewayEnvironments.TryParse(options.Environment, out _))
        {
            failures.Add($"{Section}:Environment must be 'sandbox' or 'production'; '{options.Environment}' is not.");
        }

        foreach (var (key, url) in new[] { ("ProductionGatewayUrl", options.ProductionGatewayUrl), ("SandboxGatewayUrl", options.SandboxGatewayUrl) })
        {
            if (url is null || !url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add($"{Section}:{key} must be an absolute http:// or https:// URL, such as http://127.0.0.1:5082; '{url}' is not.");
            }
        }

        if (options.MaxRetries is < 0 or > 10)
        {
            failures.Add($"{Section}:MaxRetries must be from 0 to 10; {options.MaxRetries} is not.");
        }

        if (options.RetryDelay <= TimeSpan.Zero || options.RetryDelay > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{Section}:RetryDelay must be a time span above zero and at most a minute, such as 00:00:00.200; {options.RetryDelay} is not.");
        }

        if (options.AttemptTimeout < TimeSpan.FromMilliseconds(10) || options.AttemptTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{Section}:AttemptTimeout must be a time span from 10 ms to 5 minutes, such as 00:00:10; {options.AttemptTimeout} is not.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
