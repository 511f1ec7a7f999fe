namespace CommerceServices.Platform.Portal.Pages;

public sealed class WebhookSecretModel(OneTimeHandoff handoff) : PortalPageModel
{
    public HandoffEntry? Entry { get; private set; }

    public string EndpointId { get; private set; } = "";

    public void OnGet(string id, string handle)
    {
        NoStore();
        EndpointId = id;
        Entry = handoff.Take(UserId, handle);
        if (Entry is null)
        {
            Response.StatusCode = StatusCodes.Status410Gone;
        }
    }
}
