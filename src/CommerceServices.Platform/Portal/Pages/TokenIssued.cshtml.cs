using Microsoft.AspNetCore.Mvc;

namespace CommerceServices.Platform.Portal.Pages;

public sealed class TokenIssuedModel(OneTimeHandoff handoff) : PortalPageModel
{
    public HandoffEntry? Entry { get; private set; }

    public async Task<IActionResult> OnGetAsync(string handle, CancellationToken ct)
    {
        NoStore();
        Entry = await handoff.TakeAsync(UserId, handle, ct);
        if (Entry is null)
        {
            Response.StatusCode = StatusCodes.Status410Gone;
        }

        return Page();
    }
}
