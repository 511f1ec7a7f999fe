using CommerceServices.Platform.Accounts;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Registry;

/// <summary>Checks the <c>Registry</c> section at start: quotas are counts, and entitlement quotas name real services.</summary>
internal sealed class RegistryOptionsValidator : IValidateOptions<RegistryOptions>
{
    public ValidateOptionsResult Validate(string? name, RegistryOptions options)
    {
        var failures = new List<string>();
        Check(failures, $"{RegistryOptions.Section}:BaseQuota", options.BaseQuota);
        foreach (var (service, quota) in options.EntitlementQuotas)
        {
            var key = $"{RegistryOptions.Section}:EntitlementQuotas:{service}";
            if (ServiceCatalog.Find(service) is null)
            {
                failures.Add($"{key} names no service of this platform; known: {string.Join(", ", ServiceCatalog.All.Select(s => s.Id))}.");
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
