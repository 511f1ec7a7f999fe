using CommerceServices.Platform.Portal.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Portal.Pages;

/// <summary>Sign-up: exists only when <c>Portal:AllowSignUp</c> is on.</summary>
[EnableRateLimiting(PortalExtensions.SignInRateLimitPolicy)]
public sealed class SignUpModel(UserService users, IOptions<PortalOptions> options) : PortalPageModel
{
    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? Name { get; set; }

    public IActionResult OnGet() => options.Value.AllowSignUp ? Page() : NotFoundPage();

    public async Task<IActionResult> OnPostAsync(string? password, CancellationToken ct)
    {
        if (!options.Value.AllowSignUp)
        {
            return NotFoundPage();
        }

        var outcome = await users.SignUpAsync(Email, Name, password, ct);
        if (outcome.Error is { } error)
        {
            Error = error;
            Response.StatusCode = error.Status;
            return Page();
        }

        await HttpContext.SignInAsync(PortalExtensions.CookieScheme, PortalExtensions.PrincipalOf(outcome.Value!));
        return LocalRedirect("/");
    }
}
