using System.Security.Claims;
using System.Text.Encodings.Web;
using CommerceServices.Protocol;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace CommerceServices.Platform.Hosting.Operator;

/// <summary>Authenticates management API calls that carry <c>Authorization: Bearer &lt;operator token&gt;</c>.</summary>
internal sealed class OperatorTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    OperatorCredentials credentials,
    FailureThrottle failures)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string BearerPrefix = "Bearer ";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        // Wrong tokens are counted per client address: one that keeps trying is refused before its next guess is even
        // compared, and gets the same answer whether that guess was right, so the throttle is no oracle.
        var source = $"op:{Context.Connection.RemoteIpAddress}";
        if (failures.IsThrottled(source, out var retryAfter))
        {
            return Task.FromResult(AuthenticateResult.Fail(new ThrottledException(retryAfter,
                "Too many wrong operator tokens came from this address; retry after the time in Retry-After.")));
        }

        if (!header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase)
            || !credentials.Matches(header[BearerPrefix.Length..].Trim()))
        {
            failures.RecordFailure(source);
            return Task.FromResult(AuthenticateResult.Fail(ProblemCodes.InvalidOperatorToken));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, OperatorTokenDefaults.ActorName)], Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        if (result.Failure is ThrottledException throttled)
        {
            await throttled.WriteAsync(Context);
            return;
        }

        var code = result.Failure is null ? ProblemCodes.MissingOperatorToken : ProblemCodes.InvalidOperatorToken;
        Response.Headers[HeaderNames.WWWAuthenticate] = result.Failure is null
            ? "Bearer realm=\"commerce-services\""
            : "Bearer realm=\"commerce-services\", error=\"invalid_token\"";
        var howToPass = credentials.HowToPassTo(Context.Connection.RemoteIpAddress);
        await Problems.WriteAsync(Context, code, code == ProblemCodes.MissingOperatorToken
            ? $"This call needs the operator token. {howToPass}"
            : $"The operator token sent does not match this platform's. {howToPass}");
    }
}

public static class OperatorIdentityExtensions
{
    /// <summary>Who made the call, for the audit log.</summary>
    public static string Actor(this HttpContext context) => context.User.Identity?.Name ?? "anonymous";
}
