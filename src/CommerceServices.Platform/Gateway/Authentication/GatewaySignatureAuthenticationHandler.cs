using System.Globalization;
using System.Text.Encodings.Web;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Gateway.Authentication;

/// <summary>
/// The gateway signature as an ASP.NET Core authentication scheme: <see cref="GatewayAuthenticator"/> decides, this
/// handler reports its verdict, runs the <see cref="GatewaySignatureEvents"/> hooks and writes refusals. Every refusal is an <see cref="AuthenticateResult.Fail(Exception)"/> carrying a
/// <see cref="GatewayRefusalException"/>; the challenge reads it back and writes it as a problem, as JwtBearer does.
/// </summary>
internal sealed class GatewaySignatureAuthenticationHandler(
    IOptionsMonitor<GatewaySignatureOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    GatewayAuthenticator authenticator)
    : AuthenticationHandler<GatewaySignatureOptions>(options, loggerFactory, encoder)
{
    private static readonly GatewayRefusalException NoApiKey =
        new(ProblemCodes.MissingApiKey, $"Send the public API key in '{GatewayHeaders.ApiKey}'.");

    private new GatewaySignatureEvents Events => (GatewaySignatureEvents)base.Events!;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var verdict = await authenticator.AuthenticateAsync(Context);
        if (verdict.Refusal is { } refusal)
        {
            return AuthenticateResult.Fail(refusal);
        }

        if (verdict.Caller is not { } principal)
        {
            return AuthenticateResult.NoResult();
        }

        if (Events.OnValidated is { } onValidated)
        {
            var validated = new GatewaySignatureValidatedContext(Context, Scheme, Options) { Principal = principal };
            await onValidated(validated);
            if (validated.Result is not null)
            {
                return validated.Result;
            }
        }

        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // The refusal comes back from the (cached) authentication result, as JwtBearerHandler reads its failure.
        var result = await HandleAuthenticateOnceSafeAsync();
        var refusal = result.Failure as GatewayRefusalException ?? (result.Failure is { } other
            ? new GatewayRefusalException(ProblemCodes.InvalidSignature, other.Message)
            : NoApiKey);
        if (Events.OnRefused is { } onRefused)
        {
            var refused = new GatewaySignatureRefusedContext(Context, Scheme, Options, properties, refusal);
            await onRefused(refused);
            if (refused.Handled)
            {
                return;
            }
        }

        if (refusal.RetryAfter is { } retryAfter)
        {
            Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        if (refusal.Status == StatusCodes.Status401Unauthorized)
        {
            Response.Headers.WWWAuthenticate =
                $"{GatewaySignatureDefaults.ChallengeScheme} realm=\"commerce-services\", error=\"{refusal.Code}\"";
        }

        await Problems.WriteAsync(Context, refusal.Code, refusal.Message, refusal.Status);
    }

}
