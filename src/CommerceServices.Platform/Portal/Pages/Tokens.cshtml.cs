using CommerceServices.Platform.Portal.Tokens;
using Microsoft.AspNetCore.Mvc;

namespace CommerceServices.Platform.Portal.Pages;

public sealed class TokensModel(AccountTokenService tokens, OneTimeHandoff handoff) : PortalPageModel
{
    public IReadOnlyList<AccountToken> Tokens { get; private set; } = [];

    public string? Name { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => Tokens = await tokens.ListAsync(AccountId, ct);

    public async Task<IActionResult> OnPostCreateAsync(string? name, CancellationToken ct)
    {
        var outcome = await tokens.CreateAsync(AccountId, name, Actor, ct);
        if (outcome.Error is { } error)
        {
            Error = error;
            Name = name;
            Response.StatusCode = error.Status;
            Tokens = await tokens.ListAsync(AccountId, ct);
            return Page();
        }

        var handle = await handoff.PutAsync(UserId, new HandoffEntry(outcome.Value!.Token.Name, outcome.Value.Secret), ct);
        return LocalRedirect($"/tokens/issued/{handle}");
    }

    public async Task<IActionResult> OnPostRevokeAsync(string? tokenId, CancellationToken ct)
    {
        var outcome = await tokens.RevokeAsync(AccountId, tokenId, Actor, ct);
        if (outcome.Error is not null)
        {
            return NotFoundPage();
        }

        Notice = $"Token '{outcome.Value!.Name}' is revoked.";
        return LocalRedirect("/tokens");
    }
}
