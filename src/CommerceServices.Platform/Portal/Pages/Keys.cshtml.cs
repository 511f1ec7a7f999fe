using CommerceServices.Platform.Accounts;
using CommerceServices.Protocol;
using Microsoft.AspNetCore.Mvc;

namespace CommerceServices.Platform.Portal.Pages;

/// <summary>API keys: create (with confirmation when it revokes the active pair), roll with grace, upload a public key.</summary>
public sealed class KeysModel(KeyPairService keys, OneTimeHandoff handoff, TimeProvider time) : PortalPageModel
{
    public static readonly string[] Environments = ["sandbox", "production"];

    public IReadOnlyList<KeyPairView> Keys { get; private set; } = [];

    /// <summary>The environment whose create waits for confirmation (an active pair would be revoked).</summary>
    public string? ConfirmCreate { get; private set; }

    public string? UploadEnvironment { get; private set; }

    public string? PublicKey { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task<IActionResult> OnPostCreateAsync(string? environment, bool confirm, CancellationToken ct)
    {
        await LoadAsync(ct);
        if (!confirm && Keys.Any(k => k.Environment == environment && k.Status == "active"))
        {
            ConfirmCreate = environment;
            return Page();
        }

        var outcome = await keys.CreateAsync(AccountId, environment, publicKeyPem: null, Actor, ct);
        return await IssuedAsync(outcome, ct);
    }

    public async Task<IActionResult> OnPostRollAsync(string? environment, int graceSeconds, CancellationToken ct)
    {
        var outcome = await keys.RollAsync(AccountId, environment, TimeSpan.FromSeconds(graceSeconds), publicKeyPem: null, Actor, ct);
        if (outcome.Error is not null)
        {
            await LoadAsync(ct);
        }

        return await IssuedAsync(outcome, ct);
    }

    public async Task<IActionResult> OnPostUploadAsync(string? environment, string? publicKey, CancellationToken ct)
    {
        var outcome = await keys.CreateAsync(AccountId, environment, publicKey ?? "", Actor, ct);
        if (outcome.Error is { } error)
        {
            await LoadAsync(ct);
            Error = error;
            UploadEnvironment = environment;
            PublicKey = publicKey;
            Response.StatusCode = error.Status;
            return Page();
        }

        Notice = $"Your public key is registered as {outcome.Value!.Key.ApiKey}.";
        return LocalRedirect("/keys");
    }

    private async Task<IActionResult> IssuedAsync(Hosting.Outcome<IssuedKeyPair> outcome, CancellationToken ct)
    {
        if (outcome.Error is { } error)
        {
            // Shown on the page (a limit or a busy node says when to try again), with the status and Retry-After of the API.
            Error = error;
            Response.StatusCode = error.Status;
            Hosting.Problems.SetRetryAfter(Response, error);
            return Page();
        }

        var issued = outcome.Value!;
        var handle = await handoff.PutAsync(UserId, new HandoffEntry(issued.Key.ApiKey, issued.PrivateKeyPem!, issued.Key.Environment.ToName(),
            issued.Previous?.ApiKey), ct);
        return LocalRedirect($"/keys/issued/{handle}");
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        Keys = ((await keys.ListAsync(AccountId, ct)).Value ?? []).Select(k => KeyPairView.Of(k, now)).ToList();
    }
}
