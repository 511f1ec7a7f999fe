using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Hosting.Operator;
using CommerceServices.Platform.Portal.Authorization;
using CommerceServices.Platform.Portal.Tokens;
using CommerceServices.Platform.Portal.Users;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CommerceServices.Platform.Portal;

/// <summary>The management API's calls about portal users and account tokens (portal listener).</summary>
public static class PortalApi
{
    public static IEndpointRouteBuilder MapPortalApi(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/api/v1/accounts/{accountId}")
            .RequireListener(PlatformListener.Portal)
            .RequireAuthorization(ManagementAuthorization.AccountScopedPolicy)
            .WithTags("Portal users and tokens");

        account.MapPost("/invitations", Invite).WithName("InviteUser")
            .WithSummary("Make a one-time, expiring link that lets a person set a password and sign in to the account's portal.");
        account.MapGet("/tokens", ListTokens).WithName("ListAccountTokens").WithSummary("The account's tokens (never their secrets).");
        account.MapPost("/tokens", CreateToken).WithName("CreateAccountToken")
            .WithSummary("Make a named token for the CLI and scripts; its secret is in this answer only.");
        account.MapDelete("/tokens/{tokenId}", RevokeToken).WithName("RevokeAccountToken").WithSummary("Revoke a token at once.");
        return app;
    }

    private static async Task<Results<Created<InvitationView>, ProblemHttpResult>> Invite(
        string accountId, InviteRequest? request, UserService users, HttpContext http, CancellationToken ct)
    {
        var outcome = await users.InviteAsync(accountId, request?.Email, http.Actor(), ct);
        if (outcome.Error is { } error)
        {
            return Problems.Of(error);
        }

        var issued = outcome.Value!;
        var link = new Uri(new Uri($"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}/"), $"invitations/{issued.Secret}");
        return TypedResults.Created((string?)null, new InvitationView(issued.Invitation.Email, link.AbsoluteUri, issued.Invitation.ExpiresAt));
    }

    private static async Task<Ok<IEnumerable<AccountTokenView>>> ListTokens(string accountId, AccountTokenService tokens, CancellationToken ct) =>
        TypedResults.Ok((await tokens.ListAsync(accountId, ct)).Select(AccountTokenView.Of));

    private static async Task<Results<Created<IssuedAccountTokenView>, ProblemHttpResult>> CreateToken(
        string accountId, CreateTokenRequest? request, AccountTokenService tokens, HttpContext http, CancellationToken ct)
    {
        var outcome = await tokens.CreateAsync(accountId, request?.Name, http.Actor(), ct);
        return outcome.Error is { } error
            ? Problems.Of(error)
            : TypedResults.Created((string?)null, new IssuedAccountTokenView(AccountTokenView.Of(outcome.Value!.Token), outcome.Value.Secret));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeToken(
        string accountId, string tokenId, AccountTokenService tokens, HttpContext http, CancellationToken ct)
    {
        var outcome = await tokens.RevokeAsync(accountId, tokenId, http.Actor(), ct);
        return outcome.Error is { } error ? Problems.Of(error) : TypedResults.NoContent();
    }
}

public sealed record InviteRequest(string? Email);

/// <summary>The invitation link: the only place its secret appears.</summary>
public sealed record InvitationView(string Email, string Url, DateTimeOffset ExpiresAt);

public sealed record CreateTokenRequest(string? Name);

public sealed record AccountTokenView(string Id, string Name, string Hint, string CreatedBy, DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt)
{
    public static AccountTokenView Of(AccountToken t) => new(t.Id, t.Name, t.Hint, t.CreatedBy, t.CreatedAt, t.LastUsedAt, t.RevokedAt);
}

/// <summary>A new token with its secret: shown once.</summary>
public sealed record IssuedAccountTokenView(AccountTokenView Token, string Secret);
