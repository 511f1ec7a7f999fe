using Microsoft.AspNetCore.Mvc;

namespace CommerceServices.Platform.Portal.Pages;

public sealed class TokenIssuedModel(OneTimeHandoff handoff) : PortalPageModel
{
    public HandoffEntry? Entry { get; private set; }

    public IActionResult OnGet(string handle)
    {
        NoStore();
        Entry = handoff.Take(UserId, handle);
        if (Entry is null)
        {
            Response.StatusCode = StatusCodes.Status410Gone;
        }

        return Page();
    }
}
