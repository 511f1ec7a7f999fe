using CommerceServices.Platform.Portal.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace CommerceServices.Platform.Portal.Pages;

/// <summary>
/// A new password gets a new security stamp: this session is re-issued, every other one ends. Its posts are limited per
/// address like sign-in's, and a wrong current password counts as a failed sign-in.
/// </summary>
[EnableRateLimiting(PortalExtensions.SignInRateLimitPolicy)]
public sealed class PasswordModel(UserService users) : PortalPageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(string? current, string? password, CancellationToken ct)
    {
        var outcome = await users.ChangePasswordAsync(UserId, current, password, ct);
        if (outcome.Error is { } error)
        {
            Error = error;
            Response.StatusCode = error.Status;
            return Page();
        }

        await HttpContext.SignInAsync(PortalExtensions.CookieScheme, PortalExtensions.PrincipalOf(outcome.Value!));
        Notice = "Your password is changed; every other session of yours has ended.";
        return LocalRedirect("/");
    }
}
