using System.Text;
using Microsoft.AspNetCore.Mvc;

namespace CommerceServices.Platform.Portal.Pages;

/// <summary>Shows a new private key once (taken from the one-time handoff), on a response nobody may cache.</summary>
public sealed class KeyIssuedModel(OneTimeHandoff handoff) : PortalPageModel
{
    public HandoffEntry? Entry { get; private set; }

    public string PemBase64 => Convert.ToBase64String(Encoding.ASCII.GetBytes(Entry!.Secret));

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
