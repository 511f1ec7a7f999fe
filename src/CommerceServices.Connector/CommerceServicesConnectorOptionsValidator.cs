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

        if (options.TotalTimeout <= options.AttemptTimeout || options.TotalTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"{Section}:TotalTimeout must be longer than AttemptTimeout ({options.AttemptTimeout}) and at most 10 minutes, such as 00:00:30; {options.TotalTimeout} is not.");
        }

        if (options.BreakFailureRatio is <= 0 or > 1 or double.NaN)
        {
            failures.Add($"{Section}:BreakFailureRatio must be above 0 and at most 1, such as 0.5; {options.BreakFailureRatio.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not.");
        }

        if (options.BreakMinimumThroughput is < 2 or > 10_000)
        {
            failures.Add($"{Section}:BreakMinimumThroughput must be from 2 to 10000; {options.BreakMinimumThroughput} is not.");
        }

        if (options.BreakDuration < TimeSpan.FromMilliseconds(500) || options.BreakDuration > TimeSpan.FromHours(1))
        {
            failures.Add($"{Section}:BreakDuration must be a time span from 500 ms to an hour, such as 00:00:05; {options.BreakDuration} is not.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
