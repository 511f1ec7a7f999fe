using CommerceServices.Platform.Webhooks;
using CommerceServices.Protocol.Webhooks;
using Microsoft.AspNetCore.Mvc;

namespace CommerceServices.Platform.Portal.Pages;

public sealed class WebhooksModel(WebhookEndpointService webhooks, OneTimeHandoff handoff, TimeProvider time) : PortalPageModel
{
    /// <summary>The event choices of the form: a group each, or every event.</summary>
    public static readonly (string Value, string Label)[] EventChoices =
    [
        ("*", "Every event"),
        ("payment.*", "Payments (authorized, declined, failed, captured, voided, refunded)"),
        ("key.*", "API keys (created, rolled, revoked, expiring)"),
        ("data_space.*", "Data spaces (bound, released)"),
    ];

    public IReadOnlyList<WebhookEndpoint> Endpoints { get; private set; } = [];

    public DateTimeOffset Now { get; private set; }

    public string? TypedUrl { get; private set; }

    public string Environment { get; private set; } = "sandbox";

    public IReadOnlyList<string> Events { get; private set; } = ["payment.*"];

    public string? Description { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task<IActionResult> OnPostCreateAsync(string? url, string? environment, string[]? events, string? description, CancellationToken ct)
    {
        var outcome = await webhooks.CreateAsync(AccountId, url, environment, events ?? [], description, Actor, ct);
        if (outcome.Error is { } error)
        {
            Error = error;
            (TypedUrl, Environment, Events, Description) = (url, environment ?? "sandbox", events ?? [], description);
            Response.StatusCode = error.Status;
            await LoadAsync(ct);
            return Page();
        }

        var issued = outcome.Value!;
        var handle = await handoff.PutAsync(UserId, new HandoffEntry(issued.Endpoint.Url, issued.Secret, issued.Endpoint.Environment), ct);
        return LocalRedirect($"/webhooks/secret/{issued.Endpoint.Id}/{handle}");
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Now = time.GetUtcNow();
        Endpoints = (await webhooks.ListAsync(AccountId, ct)).Value ?? [];
    }

    public static string Describe(IEnumerable<string> patterns) =>
        string.Join(", ", patterns.Select(p => p == "*" ? "every event" : p));

    public static bool IsValidPattern(string pattern) => WebhookEventTypes.IsValidPattern(pattern);
}
