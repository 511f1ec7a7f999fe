using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Hosting.Operator;
using CommerceServices.Platform.Portal.Authorization;
using CommerceServices.Protocol;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CommerceServices.Platform.Accounts;

/// <summary>The operator's management API for accounts, entitlements, key pairs and the audit log (portal listener).</summary>
public static class ManagementApi
{
    public static IEndpointRouteBuilder MapManagementApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1")
            .RequireListener(PlatformListener.Portal)
            .WithTags("Management");

        // Operator only: an account token gets 403 here. Everything else is scoped to the route's account.
        var operatorOnly = api.MapGroup("/accounts").RequireAuthorization(ManagementAuthorization.OperatorOnlyPolicy);
        var accounts = api.MapGroup("/accounts").RequireAuthorization(ManagementAuthorization.AccountScopedPolicy);
        operatorOnly.MapPost("/", CreateAccount).WithName("CreateAccount").WithSummary("Create an account.");
        operatorOnly.MapGet("/", ListAccounts).WithName("ListAccounts")
            .WithSummary("List accounts; with q, find them by the start of an id, email, name, API key or data space id (at most limit, default 50).");
        accounts.MapGet("/{accountId}", GetAccount).WithName("GetAccount").WithSummary("Get an account.");
        operatorOnly.MapPut("/{accountId}/entitlements/{service}", GrantEntitlement)
            .WithName("GrantEntitlement").WithSummary("Grant a service to the account (R14).");
        operatorOnly.MapDelete("/{accountId}/entitlements/{service}", RevokeEntitlement)
            .WithName("RevokeEntitlement").WithSummary("Withdraw a service from the account.");

        accounts.MapPost("/{accountId}/keys", CreateKey)
            .WithName("CreateKeyPair").WithSummary("Make a new active pair; the previous one is retired at once (R5).");
        accounts.MapPost("/{accountId}/keys/roll", RollKey)
            .WithName("RollKeyPair").WithSummary("Make a new active pair; the previous one works until the grace period ends (R17).");
        accounts.MapGet("/{accountId}/keys", ListKeys).WithName("ListKeyPairs").WithSummary("List pairs: public data only (R6).");
        accounts.MapDelete("/{accountId}/keys/{apiKey}", RevokeKey).WithName("RevokeKeyPair").WithSummary("Revoke a pair at once.");
        accounts.MapGet("/{accountId}/audit", ListAudit).WithName("ListAuditEvents").WithSummary("Key and entitlement events, newest first (R22).");
        return app;
    }

    private static async Task<Results<Created<AccountView>, ProblemHttpResult>> CreateAccount(
        CreateAccountRequest? request, AccountService accounts, HttpContext http, CancellationToken ct)
    {
        var outcome = await accounts.CreateAsync(request?.Email, request?.Name, http.Actor(), ct);
        return outcome.Error is { } error
            ? Problems.Of(error)
            : TypedResults.Created($"/api/v1/accounts/{outcome.Value!.Id}", AccountView.Of(outcome.Value));
    }

    private static async Task<Ok<IEnumerable<AccountView>>> ListAccounts(string? q, int? limit, AccountService accounts, CancellationToken ct) =>
        q is null && limit is null
            ? TypedResults.Ok((await accounts.ListAsync(ct)).Select(AccountView.Of))
            // A search: by the start of an id, email, name, API key or data space id (the console's Accounts page).
            : TypedResults.Ok((await accounts.SearchAsync(q, limit ?? 50, ct)).Select(m => AccountView.Of(m.Account)));

    private static async Task<Results<Ok<AccountView>, ProblemHttpResult>> GetAccount(
        string accountId, AccountService accounts, CancellationToken ct) =>
        (await accounts.GetAsync(accountId, ct)).ToOk(AccountView.Of);

    private static async Task<Results<Ok<AccountView>, ProblemHttpResult>> GrantEntitlement(
        string accountId, string service, AccountService accounts, HttpContext http, CancellationToken ct) =>
        (await accounts.GrantAsync(accountId, service, http.Actor(), ct)).ToOk(AccountView.Of);

    private static async Task<Results<Ok<AccountView>, ProblemHttpResult>> RevokeEntitlement(
        string accountId, string service, AccountService accounts, HttpContext http, CancellationToken ct) =>
        (await accounts.RevokeAsync(accountId, service, http.Actor(), ct)).ToOk(AccountView.Of);

    private static async Task<Results<Created<IssuedKeyPairView>, ProblemHttpResult>> CreateKey(
        string accountId, IssueKeyRequest? request, KeyPairService keys, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var outcome = await keys.CreateAsync(accountId, request?.Environment, request?.PublicKey, http.Actor(), ct);
        return Issued(accountId, outcome, time, http);
    }

    private static async Task<Results<Created<IssuedKeyPairView>, ProblemHttpResult>> RollKey(
        string accountId, IssueKeyRequest? request, KeyPairService keys, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        if (request?.GraceSeconds is not { } seconds)
        {
            return Problems.Of(ProblemCodes.InvalidGracePeriod, "A roll needs 'graceSeconds': how long the old pair keeps working.");
        }

        var outcome = await keys.RollAsync(accountId, request.Environment, TimeSpan.FromSeconds(seconds), request.PublicKey,
            http.Actor(), ct);
        return Issued(accountId, outcome, time, http);
    }

    private static async Task<Results<Ok<IEnumerable<KeyPairView>>, ProblemHttpResult>> ListKeys(
        string accountId, KeyPairService keys, TimeProvider time, CancellationToken ct)
    {
        var outcome = await keys.ListAsync(accountId, ct);
        var now = time.GetUtcNow();
        return outcome.Error is { } error ? Problems.Of(error) : TypedResults.Ok(outcome.Value!.Select(k => KeyPairView.Of(k, now)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeKey(
        string accountId, string apiKey, KeyPairService keys, HttpContext http, CancellationToken ct)
    {
        var outcome = await keys.RevokeAsync(accountId, apiKey, http.Actor(), ct);
        return outcome.Error is { } error ? Problems.Of(error) : TypedResults.NoContent();
    }

    private static async Task<Results<Ok<IEnumerable<AuditEventView>>, ProblemHttpResult>> ListAudit(
        string accountId, int? limit, AccountService accounts, AuditLog audit, CancellationToken ct)
    {
        var account = await accounts.GetAsync(accountId, ct);
        if (account.Error is { } error)
        {
            return Problems.Of(error);
        }

        var events = await audit.ListAsync(accountId, limit ?? 100, ct);
        return TypedResults.Ok(events.Select(AuditEventView.Of));
    }

    private static Results<Created<IssuedKeyPairView>, ProblemHttpResult> Issued(
        string accountId, Outcome<IssuedKeyPair> outcome, TimeProvider time, HttpContext http) =>
        outcome.Error is { } error
            ? Problems.Of(error, http.Response) // 429 and 503 carry Retry-After
            : TypedResults.Created($"/api/v1/accounts/{accountId}/keys", IssuedKeyPairView.Of(outcome.Value!, time.GetUtcNow()));
}
