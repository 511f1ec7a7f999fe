using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Registry;
using CommerceServices.Platform.Services;
using Microsoft.AspNetCore.Mvc;

namespace CommerceServices.Platform.Portal.Pages;

public sealed class OverviewModel(AccountService accounts, KeyPairService keys, RegistryService registry, ServiceRegistry services, TimeProvider time) : PortalPageModel
{
    public Account Account { get; private set; } = null!;

    public IReadOnlyList<ServiceDefinition> Services => services.All;

    public DataSpaceQuota Quota { get; private set; } = null!;

    public int UsedProduction { get; private set; }

    public int UsedTesting { get; private set; }

    public IReadOnlyList<KeyPairView> Keys { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        var account = await accounts.GetAsync(AccountId, ct);
        if (account.Value is null)
        {
            return NotFoundPage();
        }

        Account = account.Value;
        Quota = await registry.QuotaOfAsync(AccountId, ct);
        var spaces = (await registry.ListDataSpacesAsync(AccountId, ct)).Value ?? [];
        UsedProduction = spaces.Count(d => d.Type == DataSpaceType.Production);
        UsedTesting = spaces.Count(d => d.Type == DataSpaceType.Testing);
        var now = time.GetUtcNow();
        Keys = ((await keys.ListAsync(AccountId, ct)).Value ?? []).Select(k => KeyPairView.Of(k, now)).ToList();
        return Page();
    }
}
