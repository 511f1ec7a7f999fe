using System.Security.Claims;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Portal.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace CommerceServices.Platform.Portal;

/// <summary>
/// The base of the signed-in pages: the user's account comes from the session only, never from a URL or a form, so
/// every page and post acts on the user's own account and another account's ids are simply not found.
/// </summary>
public abstract class PortalPageModel : PageModel
{
    public string AccountId => User.FindFirstValue(ManagementAuthorization.AccountIdClaim)!;

    public string UserId => User.FindFirstValue(ClaimTypes.NameIdentifier)!;

    /// <summary>Who did it, for the audit log.</summary>
    public string Actor => User.Identity?.Name ?? "portal user";

    /// <summary>A refusal to show above the form, which keeps what the user typed.</summary>
    public PlatformError? Error { get; set; }

    /// <summary>A one-line confirmation carried over a redirect (never a secret).</summary>
    [TempData]
    public string? Notice { get; set; }

    /// <summary>The portal's "not found" page, with status 404: the same for another account's id and a made-up one.</summary>
    protected IActionResult NotFoundPage() => new PartialViewResult
    {
        ViewName = "_NotFound",
        StatusCode = StatusCodes.Status404NotFound,
        ViewData = new ViewDataDictionary(ViewData),
    };

    /// <summary>
    /// Pages that show a secret are never stored by the browser or a proxy. Exactly the headers antiforgery sets on every
    /// page with a form (the layout's sign-out form is on each): any other value it overwrites, with a warning in the log
    /// for every such page — which is what normal portal use logged.
    /// </summary>
    protected void NoStore()
    {
        Response.Headers.CacheControl = "no-cache, no-store";
        Response.Headers.Pragma = "no-cache";
    }
}
