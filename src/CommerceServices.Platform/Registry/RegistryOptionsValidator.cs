using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Registry;

/// <summary>
/// Checks the <c>Registry</c> section at start: quotas are counts, and entitlement quotas name services known at start
/// (Payment Services and those of the <c>Services</c> section).
/// </summary>
internal sealed class RegistryOptionsValidator(IConfiguration configuration) : IValidateOptions<RegistryOptions>
{
    public ValidateOptionsResult Validate(string? name, RegistryOptions options)
    {
        var failures = new List<string>();
        Check(failures, $"{RegistryOptions.Section}:BaseQuota", options.BaseQuota);
        foreach (var (service, quota) in options.EntitlementQuotas)
        {
            var key = $"{RegistryOptions.Section}:EntitlementQuotas:{service}";
            var known = new[] { Accounts.ServiceCatalog.Payments }.Concat(Services.ConfiguredServices.Read(configuration).Select(s => s.Id)).ToList();
            if (!known.Contains(service, StringComparer.OrdinalIgnoreCase))
            {
                failures.Add($"{key} names no service of this platform; known: {string.Join(", ", known)}.");
            }

            Check(failures, key, quota);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(List<string> failures, string key, DataSpaceQuota? quota)
    {
        if (quota is null)
        {
            failures.Add($"{key} must give :Production and :Testing counts.");
            return;
        }

        foreach (var (type, count) in new[] { ("Production", quota.Production), ("Testing", quota.Testing) })
        {
            if (count is < 0 or > 1000)
            {
                failures.Add($"{key}:{type} must be a number of data spaces from 0 to 1000; {count} is not.");
            }
        }
    }
}
