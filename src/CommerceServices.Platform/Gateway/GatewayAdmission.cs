using System.Security.Claims;
using CommerceServices.Platform.Gateway.Authentication;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Observability;
using CommerceServices.Protocol;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Gateway;

/// <summary>Endpoint metadata: the endpoint is behind the gateway (admitted by <see cref="GatewayAdmission"/>).</summary>
public sealed class GatewayEndpointMetadata
{
    public static readonly GatewayEndpointMetadata Instance = new();
}

/// <summary>
/// Lets a request into a gateway endpoint: <see cref="GatewayAuthenticator"/> checks it (a refusal is the gateway
/// signature scheme's challenge, a problem with the refusal's code), then the caller's API key spends one token of its
/// rate limit.
/// <para>
/// This is the work of the authentication, authorization and rate-limiting middleware, done directly: the gateway needs
/// one scheme and one requirement (a verified caller), so the general machinery (a handler made per request, policy
/// evaluation, a merged copy of the principal, an authorization handler pass, a partitioned limiter behind one lock)
/// was a fifth of the cost of a gateway call and bought nothing. Every check and refusal code is the same.
/// </para>
/// </summary>
internal sealed class GatewayAdmission(
    RequestDelegate next, GatewayAuthenticator authenticator, GatewayRateLimiter rateLimiter, IOptionsMonitor<GatewaySignatureOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<GatewayEndpointMetadata>() is null)
        {
            await next(context);
            return;
        }

        // An admitted caller goes straight from the authenticator to the endpoint, unless an OnValidated hook is set,
        // which only the scheme runs. A refusal always goes through the scheme's challenge (it writes the answer and
        // runs OnRefused); the authenticator's verdict is kept on the request, so nothing is checked twice.
        ClaimsPrincipal? caller;
        using (var span = PlatformTracing.Start(PlatformTracing.Authenticate))
        {
            var verdict = await authenticator.AuthenticateAsync(context);
            caller = verdict.Caller;
            if (caller is not null && options.Get(GatewaySignatureDefaults.AuthenticationScheme).Events.OnValidated is not null)
            {
                caller = (await context.AuthenticateAsync(GatewaySignatureDefaults.AuthenticationScheme)).Principal;
            }

            if (caller is null)
            {
                span.Refused(verdict.Refusal?.Code ?? ProblemCodes.MissingApiKey);
                await context.ChallengeAsync(GatewaySignatureDefaults.AuthenticationScheme);
                return;
            }

            span?.SetTag(PlatformTracing.KeyPairId, caller.FindFirst(GatewayClaims.KeyPairId)?.Value);
        }

        context.User = caller;
        using (var span = PlatformTracing.Start(PlatformTracing.Admit))
        {
            if (!rateLimiter.TryAdmit(context.User.FindFirst(GatewayClaims.ApiKey)!.Value, out var retryAfter))
            {
                span.Refused(ProblemCodes.RateLimited);
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Problems.WriteAsync(context, ProblemCodes.RateLimited,
                    "This API key sent more requests than its rate limit allows; retry after the time in Retry-After.");
                return;
            }
        }

        await next(context);
    }
}
