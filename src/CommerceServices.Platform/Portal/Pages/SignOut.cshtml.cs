using CommerceServices.Platform.Portal.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;

namespace CommerceServices.Platform.Portal.Pages;

/// <summary>Signing out replaces the user's security stamp, which ends every other session too.</summary>
public sealed class SignOutModel(UserService users) : PortalPageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        await users.EndSessionsAsync(UserId, ct);
        await HttpContext.SignOutAsync(PortalExtensions.CookieScheme);
        return LocalRedirect("/sign-in");
    }
}
