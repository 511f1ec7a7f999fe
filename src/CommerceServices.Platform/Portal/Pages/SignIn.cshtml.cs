using CommerceServices.Platform.Portal.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Portal.Pages;

[EnableRateLimiting(PortalExtensions.SignInRateLimitPolicy)]
public sealed class SignInModel(UserService users, IOptions<PortalOptions> options) : PortalPageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Email { get; set; }

    public bool AllowSignUp => options.Value.AllowSignUp;

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(string? password, CancellationToken ct)
    {
        var outcome = await users.SignInAsync(Email, password, ct);
        if (outcome.Error is { } error)
        {
            Error = error;
            Response.StatusCode = error.Status;
            return Page();
        }

        await HttpContext.SignInAsync(PortalExtensions.CookieScheme, PortalExtensions.PrincipalOf(outcome.Value!));
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
    }
}
