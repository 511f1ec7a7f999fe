using CommerceServices.Platform.Accounts;
using Microsoft.AspNetCore.Mvc;

namespace CommerceServices.Platform.Portal.Pages;

public sealed class KeyDeleteModel(KeyPairService keys, TimeProvider time) : PortalPageModel
{
    public KeyPairView Key { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string apiKey, CancellationToken ct)
    {
        var key = ((await keys.ListAsync(AccountId, ct)).Value ?? []).FirstOrDefault(k => k.ApiKey == apiKey);
        if (key is null)
        {
            return NotFoundPage();
        }

        Key = KeyPairView.Of(key, time.GetUtcNow());
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string apiKey, CancellationToken ct)
    {
        var outcome = await keys.RevokeAsync(AccountId, apiKey, Actor, ct);
        if (outcome.Error is not null)
        {
            return NotFoundPage();
        }

        Notice = $"{apiKey} is deleted; calls signed with it are refused.";
        return LocalRedirect("/keys");
    }
}
