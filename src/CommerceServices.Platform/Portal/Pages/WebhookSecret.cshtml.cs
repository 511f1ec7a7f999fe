namespace CommerceServices.Platform.Portal.Pages;

public sealed class WebhookSecretModel(OneTimeHandoff handoff) : PortalPageModel
{
    public HandoffEntry? Entry { get; private set; }

    public string EndpointId { get; private set; } = "";

    public async Task OnGetAsync(string id, string handle, CancellationToken ct)
    {
        NoStore();
        EndpointId = id;
        Entry = await handoff.TakeAsync(UserId, handle, ct);
        if (Entry is null)
        {
            Response.StatusCode = StatusCodes.Status410Gone;
        }
    }
}
