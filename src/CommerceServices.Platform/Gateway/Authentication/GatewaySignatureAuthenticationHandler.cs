using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Observability;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;
using CommerceServices.Protocol.Tokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Gateway.Authentication;

/// <summary>
/// Authenticates a gateway request (DESIGN.md section 3): the API key in <c>x-api-key</c> (or <c>magento-api-key</c>),
/// an RS256 JWT in <c>x-gw-signature</c> verified with that key's registered public key, on the gateway of the key's
/// environment. Every refusal is an <see cref="AuthenticateResult.Fail(Exception)"/> carrying a
/// <see cref="GatewayRefusalException"/>; the challenge reads it back and writes it as a problem, as JwtBearer does.
/// </summary>
internal sealed partial class GatewaySignatureAuthenticationHandler(
    IOptionsMonitor<GatewaySignatureOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    PlatformListeners listeners,
    KeyDirectory keys,
    ValidatedTokenCache validatedTokens,
    LastUseRecorder lastUse,
    FailureThrottle failures,
    TimeProvider time,
    PlatformMetrics metrics)
    : AuthenticationHandler<GatewaySignatureOptions>(options, loggerFactory, encoder)
{
    private const int MaximumApiKeyHeaderLength = 256;

    private static readonly GatewayRefusalException NoApiKey =
        new(ProblemCodes.MissingApiKey, $"Send the public API key in '{GatewayHeaders.ApiKey}'.");

    private new GatewaySignatureEvents Events => (GatewaySignatureEvents)base.Events!;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var gateway = PlatformListeners.EnvironmentOf(listeners.Identify(Context));
        if (gateway is null)
        {
            return AuthenticateResult.NoResult();
        }

        // 1. The API key: present once, well-formed, of this gateway's environment — all checked offline.
        var presented = GatewayHeaderValues.ReadOne(Request.Headers, GatewayHeaders.ApiKey, GatewayHeaders.ApiKeyAlias, out var headerProblem);
        if (headerProblem is not null)
        {
            return Refuse(ProblemCodes.MalformedApiKey, headerProblem);
        }

        if (presented is null)
        {
            return AuthenticateResult.NoResult();
        }

        // A key this node knows and has read recently passed the offline check already: skip its checksum.
        var known = keys.TryGetFresh(presented);
        var check = known is not null ? ApiKeyCheck.Valid(known.ApiKey, known.Environment)
            : presented.Length > MaximumApiKeyHeaderLength
                ? ApiKeyCheck.Invalid(ProblemCodes.MalformedApiKey, "The API key header is far longer than an API key.")
                : ApiKeyFormat.Check(presented);
        if (!check.IsValid)
        {
            return Refuse(check.Code!, check.Message!);
        }

        if (check.Environment != gateway)
        {
            return Refuse(ProblemCodes.EnvironmentMismatch,
                $"This is the {gateway.Value.ToName()} gateway; the API key is a {check.Environment.ToName()} key. " +
                "Send it to the gateway of its own environment.");
        }

        // 2. The signature header: present once and of a plausible size.
        var token = GatewayHeaderValues.ReadOne(Request.Headers, GatewayHeaders.Signature, null, out headerProblem);
        if (headerProblem is not null)
        {
            return Refuse(ProblemCodes.MalformedSignature, headerProblem);
        }

        if (string.IsNullOrWhiteSpace(token))
        {
            return Refuse(ProblemCodes.MissingSignature, $"Send an RS256 JWT signed with the private key in '{GatewayHeaders.Signature}'.");
        }

        if (token.Length > GatewayTokenRules.MaximumTokenLength)
        {
            return Refuse(ProblemCodes.MalformedSignature, "The signature header is too large to be a gateway token.");
        }

        // 3. The key pair: registered, and usable now.
        var key = known ?? await keys.FindAsync(check.ApiKey!, Context.RequestAborted);
        var now = time.GetUtcNow();
        if (key is null || key.Environment != gateway)
        {
            return Refuse(ProblemCodes.UnknownApiKey, "No key pair has this API key. Copy it again from the account portal.");
        }

        if (!key.IsUsableAt(now))
        {
            return Refuse(ProblemCodes.RevokedApiKey,
                "This key pair was revoked or replaced. Generate a new pair in the account portal and apply it in the connector.");
        }

        // 4. The token: verified once, then remembered until it expires.
        var nowSeconds = now.ToUnixTimeSeconds();
        if (validatedTokens.IsValidated(token, key.KeyPairId, nowSeconds))
        {
            metrics.TokenCacheHit();
        }
        else
        {
            // Bad signatures are counted per key and client address, in a bucket of their own: someone sending bad
            // tokens for this key is stopped before any RSA work, while the key's real instance (another address, or a
            // token it already had verified) is not.
            var source = $"sig:{key.KeyPairId}|{Context.Connection.RemoteIpAddress}";
            if (failures.IsThrottled(source, out var retryAfter))
            {
                LogThrottled(Logger, key.KeyPairId);
                return Refuse(ProblemCodes.RateLimited,
                    "Too many requests with a bad signature came for this API key from this address; retry after the time in " +
                    "Retry-After. Check that the connector holds the private key made with this API key.", retryAfter);
            }

            metrics.TokenVerified();
            var verdict = Verify(token, key, now);
            if (verdict.Code is not null)
            {
                if (verdict.Code == ProblemCodes.InvalidSignature)
                {
                    failures.RecordFailure(source);
                }

                return Refuse(verdict.Code, verdict.Message!);
            }

            validatedTokens.Add(token, key.KeyPairId, verdict.UsableUntil, nowSeconds);
        }

        lastUse.Record(key.KeyPairId, now);
        metrics.GatewayAccepted();
        var principal = new ClaimsPrincipal(key.Identity);
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

    private Verdict Verify(string token, GatewayKey key, DateTimeOffset now)
    {
        if (CompactJws.Read(token, out var code, out var message) is not { } jws)
        {
            return new Verdict(code, message, 0);
        }

        // RSA verification of exactly what was signed; the RSA object of a key is shared, which RSA allows for
        // verification (no state is kept between calls).
        var signed = Encoding.ASCII.GetBytes(jws.SigningInput);
        if (!key.SigningKey.Rsa.VerifyData(signed, jws.Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return new Verdict(ProblemCodes.InvalidSignature,
                "The signature does not match the public key registered for this API key: the private key in the connector " +
                "is not the one made with this API key.", 0);
        }

        var skew = (long)Options.ClockSkew.TotalSeconds;
        var nowSeconds = now.ToUnixTimeSeconds();
        if (jws.Expires + skew < nowSeconds)
        {
            return ClockRefusal(ProblemCodes.TokenExpired, now,
                $"'exp' ({Iso(jws.Expires)}) has passed, {nowSeconds - jws.Expires} s ago by the gateway's clock",
                $"if the instance signed this token just now, its clock is probably off (about {nowSeconds - jws.Expires} s behind)");
        }

        if (jws.NotBefore is { } notBefore && notBefore > nowSeconds + skew)
        {
            return ClockRefusal(ProblemCodes.TokenNotYetValid, now,
                $"'nbf' ({Iso(notBefore)}) is {notBefore - nowSeconds} s ahead of the gateway's clock",
                $"the instance's clock is probably off (about {notBefore - nowSeconds} s ahead)");
        }

        if (jws.IssuedAt is { } issuedAt && issuedAt > nowSeconds + skew)
        {
            return ClockRefusal(ProblemCodes.TokenNotYetValid, now,
                $"'iat' ({Iso(issuedAt)}) is {issuedAt - nowSeconds} s ahead of the gateway's clock",
                $"the instance's clock is probably off (about {issuedAt - nowSeconds} s ahead)");
        }

        var lifetime = (long)Options.MaximumTokenLifetime.TotalSeconds;
        if (jws.Expires > nowSeconds + lifetime + skew)
        {
            var ahead = jws.Expires - nowSeconds;
            return ClockRefusal(ProblemCodes.TokenLifetimeTooLong, now,
                $"'exp' ({Iso(jws.Expires)}) is {ahead} s ahead of the gateway's clock; at most {lifetime} s plus {skew} s of clock skew " +
                "is accepted",
                $"clients such as the Magento module sign exp = now + {lifetime}, so the instance's clock is probably off " +
                $"(about {Math.Max(0, ahead - lifetime)} s ahead)");
        }

        return new Verdict(null, null, jws.Expires + skew);
    }

    /// <summary>A time refusal always names the gateway's clock and points at the instance's (issue 9).</summary>
    private static Verdict ClockRefusal(string code, DateTimeOffset now, string what, string why) =>
        new(code, $"{what}. The gateway's clock reads {now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}; " +
                  $"{why}: set it right (turn on NTP time sync) and sign a new token.", 0);

    private static string Iso(long unixSeconds) =>
        DateTimeOffset.FromUnixTimeSeconds(unixSeconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private AuthenticateResult Refuse(string code, string message, TimeSpan? retryAfter = null)
    {
        LogRefused(Logger, code);
        metrics.GatewayRefused(code);
        return AuthenticateResult.Fail(new GatewayRefusalException(code, message, retryAfter));
    }

    [LoggerMessage(EventId = 1101, EventName = "GatewayRequestRefused", Level = LogLevel.Debug, Message = "Gateway request refused: {Code}.")]
    private static partial void LogRefused(ILogger logger, string code);

    [LoggerMessage(EventId = 1102, EventName = "GatewaySignatureFailuresThrottled", Level = LogLevel.Information,
        Message = "Bad signatures for key pair {KeyPairId} are throttled for a client address.")]
    private static partial void LogThrottled(ILogger logger, string keyPairId);

    private readonly record struct Verdict(string? Code, string? Message, long UsableUntil);
}
