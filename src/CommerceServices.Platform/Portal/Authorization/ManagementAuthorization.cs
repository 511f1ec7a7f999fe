using System.Security.Claims;
using System.Text.Encodings.Web;
using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Hosting.Operator;
using CommerceServices.Platform.Portal.Tokens;
using CommerceServices.Protocol;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace CommerceServices.Platform.Portal.Authorization;

/// <summary>
/// Who may call the management API: the operator (everything) or an account token (its own account only). One
/// bearer scheme picks the right handler by the token's prefix; two policies say what each call needs.
/// </summary>
public static class ManagementAuthorization
{
    /// <summary>The bearer scheme of the management API: forwards to the account-token or the operator-token handler.</summary>
    public const string Scheme = "ManagementBearer";

    public const string AccountTokenScheme = "AccountToken";

    /// <summary>Calls about one account (<c>{accountId}</c> in the route): the operator, or that account's token.</summary>
    public const string AccountScopedPolicy = "AccountScoped";

    /// <summary>Calls only the operator may make: creating and listing accounts, entitlements.</summary>
    public const string OperatorOnlyPolicy = "OperatorOnly";

    /// <summary>The claim carrying the account an account token or portal user acts for.</summary>
    public const string AccountIdClaim = "account_id";

    public static IServiceCollection AddManagementAuthorization(this IServiceCollection services)
    {
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, AccountTokenAuthenticationHandler>(AccountTokenScheme, null)
            .AddPolicyScheme(Scheme, null, o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString() is var header
                && header.StartsWith("Bearer " + AccountTokenService.Prefix, StringComparison.OrdinalIgnoreCase)
                    ? AccountTokenScheme
                    : OperatorTokenDefaults.AuthenticationScheme);
        services.AddAuthorizationBuilder()
            .AddPolicy(AccountScopedPolicy, policy => policy
                .AddAuthenticationSchemes(Scheme)
                .RequireAuthenticatedUser()
                .AddRequirements(new AccountScopeRequirement()))
            .AddPolicy(OperatorOnlyPolicy, policy => policy
                .AddAuthenticationSchemes(Scheme)
                .RequireAuthenticatedUser()
                .RequireAssertion(context => IsOperator(context.User)));
        services.AddSingleton<IAuthorizationHandler, AccountScopeHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AccountScopeResultHandler>();
        return services;
    }

    public static bool IsOperator(ClaimsPrincipal user) =>
        user.Identities.Any(i => i.IsAuthenticated && i.AuthenticationType == OperatorTokenDefaults.AuthenticationScheme);
}

/// <summary>The caller acts for the account named by the route's <c>accountId</c>.</summary>
public sealed class AccountScopeRequirement : IAuthorizationRequirement;

internal sealed class AccountScopeHandler : AuthorizationHandler<AccountScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AccountScopeRequirement requirement)
    {
        if (ManagementAuthorization.IsOperator(context.User))
        {
            context.Succeed(requirement);
        }
        else if (context.Resource is HttpContext http
                 && http.GetRouteValue("accountId") is string accountId
                 && context.User.FindFirstValue(ManagementAuthorization.AccountIdClaim) == accountId)
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// Another account's resources answer exactly as ones that do not exist: a failed account scope is written as the
/// <c>account_not_found</c> problem the services give for an unknown account, not as 403.
/// </summary>
internal sealed class AccountScopeResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden
            && authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<AccountScopeRequirement>().Any() == true)
        {
            var accountId = context.GetRouteValue("accountId") as string ?? "";
            return Problems.WriteAsync(context, AccountService.NotFound(accountId).Code, AccountService.NotFound(accountId).Message);
        }

        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}

/// <summary>Authenticates <c>Authorization: Bearer cs_tok_…</c>: a token made by a merchant for their own account.</summary>
internal sealed class AccountTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AccountTokenService tokens,
    FailureThrottle failures)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string BearerPrefix = "Bearer ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header) || !header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        // Wrong tokens count per client address, in the same bucket as wrong operator tokens: guessing either kind of
        // token is limited alike, and a throttled address is refused before its next guess is even looked up.
        var source = $"op:{Context.Connection.RemoteIpAddress}";
        if (failures.IsThrottled(source, out var retryAfter))
        {
            return AuthenticateResult.Fail(new ThrottledException(retryAfter,
                "Too many wrong tokens came from this address; retry after the time in Retry-After."));
        }

        var token = await tokens.AuthenticateAsync(header[BearerPrefix.Length..].Trim(), Context.RequestAborted);
        if (token is null)
        {
            failures.RecordFailure(source);
            return AuthenticateResult.Fail(ProblemCodes.InvalidAccountToken);
        }

        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, $"token {token.Name} ({token.Id})"),
            new Claim(ManagementAuthorization.AccountIdClaim, token.AccountId),
        ], Scheme.Name);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if ((await HandleAuthenticateOnceSafeAsync()).Failure is ThrottledException throttled)
        {
            await throttled.WriteAsync(Context);
            return;
        }

        Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer realm=\"commerce-services\", error=\"invalid_token\"";
        await Problems.WriteAsync(Context, ProblemCodes.InvalidAccountToken,
            "The account token is not known or was revoked. Make a new one on the portal's Account tokens page.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.WriteAsync(Context, ProblemCodes.OperatorOnly,
            "An account token acts for its own account only; creating accounts and granting services need the operator token.");
}
