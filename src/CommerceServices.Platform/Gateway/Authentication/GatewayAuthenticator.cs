using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Observability;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;
using CommerceServices.Protocol.Tokens;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Gateway.Authentication;

/// <summary>What the gateway decided about one request: its caller, or why it was refused, or that it carried no API key.</summary>
public sealed class GatewayVerdict
{
    /// <summary>No API key was sent (or the request did not come to a gateway): nothing to verify.</summary>
    public static readonly GatewayVerdict NoCredentials = new(null, null);

    private GatewayVerdict(ClaimsPrincipal? caller, GatewayRefusalException? refusal) => (Caller, Refusal) = (caller, refusal);

    public ClaimsPrincipal? Caller { get; }

    public GatewayRefusalException? Refusal { get; }

    public static GatewayVerdict Admit(ClaimsPrincipal caller) => new(caller, null);

    public static GatewayVerdict Refuse(GatewayRefusalException refusal) => new(null, refusal);
}

/// <summary>
/// The gateway's protocol check of a request (DESIGN.md section 3): the API key in <c>x-api-key</c> (or
/// <c>magento-api-key</c>), an RS256 JWT in <c>x-gw-signature</c> verified with that key's registered public key, on the
/// gateway of the key's environment. One instance for the node; the verdict is kept on the request, so however many
/// times a request is authenticated (<see cref="GatewayAdmission"/>, then a challenge, or an endpoint asking again) it
/// is checked, counted and logged once. <see cref="GatewaySignatureAuthenticationHandler"/> is its ASP.NET Core face.
/// </summary>
internal sealed partial class GatewayAuthenticator(
    IOptionsMonitor<GatewaySignatureOptions> optionsMonitor,
    ILogger<GatewayAuthenticator> logger,
    PlatformListeners listeners,
    KeyDirectory keys,
    ValidatedTokenCache validatedTokens,
    LastUseRecorder lastUse,
    FailureThrottle failures,
    TimeProvider time,
    PlatformMetrics metrics)
{
    private const int MaximumApiKeyHeaderLength = 256;

    public ValueTask<GatewayVerdict> AuthenticateAsync(HttpContext context)
    {
        if (context.Features.Get<GatewayVerdict>() is { } known)
        {
            return ValueTask.FromResult(known);
        }

        var pending = DecideAsync(context);
        if (pending.IsCompletedSuccessfully)
        {
            context.Features.Set(pending.Result);
            return pending;
        }

        return RememberAsync(context, pending);
    }

    private static async ValueTask<GatewayVerdict> RememberAsync(HttpContext context, ValueTask<GatewayVerdict> pending)
    {
        var verdict = await pending;
        context.Features.Set(verdict);
        return verdict;
    }

    private async ValueTask<GatewayVerdict> DecideAsync(HttpContext context)
    {
        var options = optionsMonitor.Get(GatewaySignatureDefaults.AuthenticationScheme);
        var gateway = PlatformListeners.EnvironmentOf(listeners.Identify(context));
        if (gateway is null)
        {
            return GatewayVerdict.NoCredentials;
        }

        // 1. The API key: present once, well-formed, of this gateway's environment — all checked offline.
        var presented = GatewayHeaderValues.ReadOne(context.Request.Headers, GatewayHeaders.ApiKey, GatewayHeaders.ApiKeyAlias, out var headerProblem);
        if (headerProblem is not null)
        {
            return Refuse(ProblemCodes.MalformedApiKey, headerProblem);
        }

        if (presented is null)
        {
            return GatewayVerdict.NoCredentials;
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
        var token = GatewayHeaderValues.ReadOne(context.Request.Headers, GatewayHeaders.Signature, null, out headerProblem);
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
        var key = known ?? await keys.FindAsync(check.ApiKey!, context.RequestAborted);
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
            var source = $"sig:{key.KeyPairId}|{context.Connection.RemoteIpAddress}";
            if (failures.IsThrottled(source, out var retryAfter))
            {
                LogThrottled(logger, key.KeyPairId);
                return Refuse(ProblemCodes.RateLimited,
                    "Too many requests with a bad signature came for this API key from this address; retry after the time in " +
                    "Retry-After. Check that the connector holds the private key made with this API key.", retryAfter);
            }

            metrics.TokenVerified();
            var verdict = Verify(token, key, now, options);
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

        lastUse.Record(key.KeyPairId, now, context.Connection.RemoteIpAddress);
        metrics.GatewayAccepted();
        return GatewayVerdict.Admit(new ClaimsPrincipal(key.Identity));
    }

    private static Verdict Verify(string token, GatewayKey key, DateTimeOffset now, GatewaySignatureOptions options)
    {
        if (CompactJws.Read(token, out var code, out var message) is not { } jws)
        {
            return new Verdict(code, message, 0);
        }

        // RSA verification of exactly what was signed; the RSA object of a key is shared, which RSA allows for
        // verification (no state is kept between calls).
        var signed = Encoding.ASCII.GetBytes(jws.SigningInput);
        if (!key.PublicKey.Value.VerifyData(signed, jws.Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return new Verdict(ProblemCodes.InvalidSignature,
                "The signature does not match the public key registered for this API key: the private key in the connector " +
                "is not the one made with this API key.", 0);
        }

        var skew = (long)options.ClockSkew.TotalSeconds;
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

        var lifetime = (long)options.MaximumTokenLifetime.TotalSeconds;
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

    /// <summary>A time refusal always names the gateway's clock and points at the instance's.</summary>
    private static Verdict ClockRefusal(string code, DateTimeOffset now, string what, string why) =>
        new(code, $"{what}. The gateway's clock reads {now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}; " +
                  $"{why}: set it right (turn on NTP time sync) and sign a new token.", 0);

    private static string Iso(long unixSeconds) =>
        DateTimeOffset.FromUnixTimeSeconds(unixSeconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private GatewayVerdict Refuse(string code, string message, TimeSpan? retryAfter = null)
    {
        LogRefused(logger, code);
        metrics.GatewayRefused(code);
        return GatewayVerdict.Refuse(new GatewayRefusalException(code, message, retryAfter));
    }

    [LoggerMessage(EventId = 1101, EventName = "GatewayRequestRefused", Level = LogLevel.Debug, Message = "Gateway request refused: {Code}.")]
    private static partial void LogRefused(ILogger logger, string code);

    [LoggerMessage(EventId = 1102, EventName = "GatewaySignatureFailuresThrottled", Level = LogLevel.Information,
        Message = "Bad signatures for key pair {KeyPairId} are throttled for a client address.")]
    private static partial void LogThrottled(ILogger logger, string keyPairId);

    private readonly record struct Verdict(string? Code, string? Message, long UsableUntil);
}
