using CommerceServices.Platform.Portal.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;

namespace CommerceServices.Platform.Portal.Pages;

/// <summary>The page an invitation link opens: the invited person sets a password and is signed in.</summary>
public sealed class InvitationModel(UserService users) : PortalPageModel
{
    public string? InvitedEmail { get; private set; }

    public async Task<IActionResult> OnGetAsync(string secret, CancellationToken ct)
    {
        NoStore();
        var invitation = await users.FindInvitationAsync(secret, ct);
        InvitedEmail = invitation.Value?.Email;
        if (InvitedEmail is null)
        {
            Response.StatusCode = StatusCodes.Status410Gone;
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string secret, string? password, CancellationToken ct)
    {
        NoStore();
        var outcome = await users.AcceptInvitationAsync(secret, password, ct);
        if (outcome.Error is { } error)
        {
            Error = error;
            Response.StatusCode = error.Status;
            InvitedEmail = (await users.FindInvitationAsync(secret, ct)).Value?.Email;
            return Page();
        }

        await HttpContext.SignInAsync(PortalExtensions.CookieScheme, PortalExtensions.PrincipalOf(outcome.Value!));
        Notice = "Your password is set. Welcome to the account portal.";
        return LocalRedirect("/");
    }
}
