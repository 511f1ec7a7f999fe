using Microsoft.Extensions.Options;

namespace CommerceServices.Connector.Webhooks;

/// <summary>The <c>CommerceServices:Webhooks</c> section: the endpoint's signing secrets, and how long ids are remembered.</summary>
public sealed class CommerceServicesWebhooksOptions
{
    public const string Section = "CommerceServices:Webhooks";

    /// <summary>
    /// The endpoint's secrets (<c>whsec_…</c>), as the platform showed them. During a secret roll give both, the new and the
    /// old: a delivery verifies with either. Read on every delivery, so a configuration reload takes effect at once.
    /// </summary>
    public List<string> Secrets { get; set; } = [];

    /// <summary>How far a delivery's <c>webhook-timestamp</c> may be from now (a replayed capture of an old request is refused).</summary>
    public TimeSpan Tolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a handled <c>webhook-id</c> is remembered, so a second delivery of it is acknowledged and not handled again.</summary>
    public TimeSpan RememberIdsFor { get; set; } = TimeSpan.FromDays(7);

    /// <summary>At most this many ids are remembered (the oldest are forgotten first).</summary>
    public int MaximumRememberedIds { get; set; } = 100_000;

    /// <summary>A larger body is refused with 413.</summary>
    public int MaximumBodyBytes { get; set; } = 1024 * 1024;
}

internal sealed class CommerceServicesWebhooksOptionsValidator : IValidateOptions<CommerceServicesWebhooksOptions>
{
    public ValidateOptionsResult Validate(string? name, CommerceServicesWebhooksOptions options)
    {
        var failures = new List<string>();
        foreach (var secret in options.Secrets)
        {
            if (!IsSecret(secret))
            {
                failures.Add($"{CommerceServicesWebhooksOptions.Section}:Secrets holds a value that is not a webhook secret: write whsec_ and the base64 the platform showed.");
            }
        }

        if (options.Tolerance < TimeSpan.FromSeconds(30) || options.Tolerance > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{CommerceServicesWebhooksOptions.Section}:Tolerance must be between 30 seconds and 5 minutes.");
        }

        if (options.RememberIdsFor < TimeSpan.Zero || options.MaximumRememberedIds < 0 || options.MaximumBodyBytes < 1024)
        {
            failures.Add($"{CommerceServicesWebhooksOptions.Section}: RememberIdsFor and MaximumRememberedIds must not be negative, MaximumBodyBytes at least 1024.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static bool IsSecret(string? secret)
    {
        if (secret is null || !secret.StartsWith(Protocol.Webhooks.WebhookHeaders.SecretPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[128];
        return Convert.TryFromBase64String(secret[Protocol.Webhooks.WebhookHeaders.SecretPrefix.Length..], bytes, out var written) && written >= 16;
    }
}
