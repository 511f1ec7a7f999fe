using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Operators;

/// <summary>The <c>Operators</c> configuration section: the operator console's sessions, invitations and second factor.</summary>
public sealed class OperatorOptions
{
    public const string Section = "Operators";

    /// <summary>How long an operator invitation link works.</summary>
    public TimeSpan InvitationLifetime { get; set; } = TimeSpan.FromDays(3);

    /// <summary>A console session ends after this long without a request (sliding).</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The name authenticator apps show above the operator's codes.</summary>
    public string TotpIssuer { get; set; } = "Commerce Services";
}

internal sealed class OperatorOptionsValidator : IValidateOptions<OperatorOptions>
{
    public ValidateOptionsResult Validate(string? name, OperatorOptions options)
    {
        var failures = new List<string>();
        if (options.InvitationLifetime < TimeSpan.FromMinutes(5) || options.InvitationLifetime > TimeSpan.FromDays(30))
        {
            failures.Add($"{OperatorOptions.Section}:{nameof(OperatorOptions.InvitationLifetime)} must be between 00:05:00 and 30.00:00:00 (it is {options.InvitationLifetime}).");
        }

        if (options.SessionIdleTimeout < TimeSpan.FromMinutes(1) || options.SessionIdleTimeout > TimeSpan.FromDays(1))
        {
            failures.Add($"{OperatorOptions.Section}:{nameof(OperatorOptions.SessionIdleTimeout)} must be between 00:01:00 and 1.00:00:00 (it is {options.SessionIdleTimeout}).");
        }

        if (string.IsNullOrWhiteSpace(options.TotpIssuer) || options.TotpIssuer.Contains(':', StringComparison.Ordinal))
        {
            failures.Add($"{OperatorOptions.Section}:{nameof(OperatorOptions.TotpIssuer)} must be a name without ':' (it is '{options.TotpIssuer}').");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
