using System.Globalization;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Webhooks;
using CommerceServices.Protocol;
using Microsoft.AspNetCore.Mvc;

namespace CommerceServices.Platform.Portal.Pages;

/// <summary>One endpoint: its settings, its secrets, a test event, replays, and its recent attempts.</summary>
public sealed class WebhookModel(WebhookEndpointService webhooks, OneTimeHandoff handoff, TimeProvider time) : PortalPageModel
{
    public static readonly (int Seconds, string Label)[] Overlaps =
    [
        (0, "no overlap: the old secret stops at once"),
        (3600, "1 hour"),
        (86400, "24 hours"),
        (259200, "3 days"),
        (604800, "7 days"),
    ];

    public WebhookEndpoint Endpoint { get; private set; } = null!;

    public IReadOnlyList<AttemptDetails> Attempts { get; private set; } = [];

    public DateTimeOffset Now { get; private set; }

    public string? Since { get; private set; }

    public string? Until { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken ct) => await ShowAsync(id, ct);

    public async Task<IActionResult> OnPostUpdateAsync(string id, string? url, string[]? events, string? description, CancellationToken ct) =>
        await ActAsync(id, await webhooks.UpdateAsync(AccountId, id, url, events ?? [], null, description ?? "", Actor, ct), "Saved.", ct);

    public async Task<IActionResult> OnPostEnableAsync(string id, bool enabled, CancellationToken ct) =>
        await ActAsync(id, await webhooks.UpdateAsync(AccountId, id, null, null, enabled, null, Actor, ct),
            enabled ? "Enabled: deliveries that waited are sent now. Replay what happened while it was off if you need it." : "Disabled: nothing is sent until you enable it.", ct);

    public async Task<IActionResult> OnPostTestAsync(string id, CancellationToken ct) =>
        await ActAsync(id, await webhooks.SendTestAsync(AccountId, id, ct), "A test event is on its way; its attempt shows below.", ct);

    public async Task<IActionResult> OnPostReplayDeliveryAsync(string id, string? deliveryId, CancellationToken ct) =>
        await ActAsync(id, await webhooks.ReplayDeliveryAsync(AccountId, id, deliveryId, ct), "The event is sent again with its original webhook-id.", ct);

    public async Task<IActionResult> OnPostReplayAsync(string id, string? since, string? until, CancellationToken ct)
    {
        var outcome = await webhooks.ReplayAsync(AccountId, id, ParseUtc(since), ParseUtc(until), ct);
        if (outcome.Error is null)
        {
            Notice = $"{outcome.Value} event(s) are sent again, each with its original webhook-id.";
            return LocalRedirect($"/webhooks/{id}");
        }

        (Since, Until) = (since, until);
        return await ActAsync(id, outcome, "", ct);
    }

    public async Task<IActionResult> OnPostRollAsync(string id, int overlapSeconds, CancellationToken ct)
    {
        var outcome = await webhooks.RollSecretAsync(AccountId, id, TimeSpan.FromSeconds(overlapSeconds), Actor, ct);
        if (outcome.Error is not null)
        {
            return await ActAsync(id, outcome, "", ct);
        }

        var handle = await handoff.PutAsync(UserId, new HandoffEntry(outcome.Value!.Endpoint.Url, outcome.Value.Secret, outcome.Value.Endpoint.Environment), ct);
        return LocalRedirect($"/webhooks/secret/{id}/{handle}");
    }

    public async Task<IActionResult> OnPostDeleteAsync(string id, bool confirm, CancellationToken ct)
    {
        if (!confirm)
        {
            Outcome<bool> unconfirmed = new PlatformError(ProblemCodes.InvalidRequest,
                "Tick the box to confirm: deleting an endpoint stops every delivery to it, and cannot be undone.");
            return await ActAsync(id, unconfirmed, "", ct);
        }

        var outcome = await webhooks.DeleteAsync(AccountId, id, Actor, ct);
        if (outcome.Error is not null)
        {
            return NotFoundPage();
        }

        Notice = $"Endpoint {outcome.Value!.Url} is deleted.";
        return LocalRedirect("/webhooks");
    }

    private async Task<IActionResult> ActAsync<T>(string id, Outcome<T> outcome, string done, CancellationToken ct)
    {
        if (outcome.Error is { Code: ProblemCodes.WebhookEndpointNotFound })
        {
            return NotFoundPage();
        }

        if (outcome.Error is { } error)
        {
            Error = error;
            Response.StatusCode = error.Status;
            return await ShowAsync(id, ct);
        }

        Notice = done;
        return LocalRedirect($"/webhooks/{id}");
    }

    private async Task<IActionResult> ShowAsync(string id, CancellationToken ct)
    {
        var endpoint = await webhooks.GetAsync(AccountId, id, ct);
        if (endpoint.Error is not null)
        {
            return NotFoundPage();
        }

        Endpoint = endpoint.Value!;
        Now = time.GetUtcNow();
        Attempts = (await webhooks.AttemptsAsync(AccountId, id, 25, ct)).Value ?? [];
        Since ??= Now.AddHours(-1).UtcDateTime.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture);
        Until ??= Now.AddMinutes(1).UtcDateTime.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture);
        return Page();
    }

    /// <summary>A <c>datetime-local</c> value read as UTC (the page says so).</summary>
    private static DateTimeOffset? ParseUtc(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed
            : null;
}
