using System.Security.Claims;
using System.Text.Encodings.Web;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Observability;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;
using CommerceServices.Protocol.Tokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CommerceServices.Platform.Gateway.Authentication;

/// <summary>
/// Authenticates a gateway request (DESIGN.md section 3): the API key in <c>x-api-key</c> (or <c>magento-api-key</c>),
/// an RS256 JWT in <c>x-gw-signature</c> verified with that key's registered public key, on the gateway of the key's
/// environment. Every refusal is a result with a stable code, written as a 401 problem by the challenge.
/// </summary>
internal sealed partial class GatewaySignatureAuthenticationHandler(
    IOptionsMonitor<GatewaySignatureOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    PlatformListeners listeners,
    KeyDirectory keys,
    ValidatedTokenCache validatedTokens,
    LastUseRecorder lastUse,
    TimeProvider time,
    PlatformMetrics metrics)
    : AuthenticationHandler<GatewaySignatureOptions>(options, loggerFactory, encoder)
{
    private const string RefusalItem = "cs:gateway-refusal";
    private const int MaximumApiKeyHeaderLength = 256;
    private static readonly JsonWebTokenHandler TokenHandler = new() { MaximumTokenSizeInBytes = GatewayTokenRules.MaximumTokenLength };

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
            metrics.TokenVerified();
            var verdict = await VerifyAsync(token, key, now);
            if (verdict.Code is not null)
            {
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
        var refusal = Context.Items[RefusalItem] as Refusal
                      ?? new Refusal(ProblemCodes.MissingApiKey, $"Send the public API key in '{GatewayHeaders.ApiKey}'.");
        if (Events.OnRefused is { } onRefused)
        {
            await onRefused(new GatewaySignatureRefusedContext(Context, Scheme, Options, refusal.Code, refusal.Message));
        }

        Response.Headers.WWWAuthenticate =
            $"{GatewaySignatureDefaults.ChallengeScheme} realm=\"commerce-services\", error=\"{refusal.Code}\"";
        await Problems.WriteAsync(Context, refusal.Code, refusal.Message, StatusCodes.Status401Unauthorized);
    }

    private async Task<Verdict> VerifyAsync(string token, GatewayKey key, DateTimeOffset now)
    {
        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException or FormatException)
        {
            return Verdict.Refused(ProblemCodes.MalformedSignature, "The signature is not a JWT (three base64url parts: header.payload.signature).");
        }

        if (!string.Equals(jwt.Alg, GatewayTokenRules.Algorithm, StringComparison.Ordinal))
        {
            return Verdict.Refused(ProblemCodes.UnsupportedAlgorithm, "The signature must use RS256 (RSA PKCS#1 v1.5 with SHA-256).");
        }

        var parameters = new TokenValidationParameters
        {
            IssuerSigningKey = key.SigningKey,
            ValidAlgorithms = [GatewayTokenRules.Algorithm],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = Options.ClockSkew,
            ValidateIssuer = false, // existing clients send fixed iss/sub/aud values: ignored by design
            ValidateAudience = false,
            ValidateIssuerSigningKey = false,
            TryAllIssuerSigningKeys = true, // tokens carry no kid; the one key configured is the only candidate
            SaveSigninToken = false,
        };
        var result = await TokenHandler.ValidateTokenAsync(jwt, parameters);
        if (!result.IsValid)
        {
            return Verdict.Refused(result.Exception);
        }

        var maximumExpiry = now + Options.MaximumTokenLifetime + Options.ClockSkew;
        if (jwt.ValidTo > maximumExpiry.UtcDateTime)
        {
            return Verdict.Refused(ProblemCodes.TokenLifetimeTooLong,
                $"'exp' may be at most {Options.MaximumTokenLifetime.TotalMinutes:0} minutes ahead.");
        }

        if (jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Iat, out var issuedAt)
            && DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(issuedAt, 0, 253402300799)) > now + Options.ClockSkew)
        {
            return Verdict.Refused(ProblemCodes.TokenNotYetValid, "'iat' is in the future: check the instance's clock.");
        }

        return new Verdict(null, null, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero).Add(Options.ClockSkew).ToUnixTimeSeconds());
    }

    private AuthenticateResult Refuse(string code, string message)
    {
        Context.Items[RefusalItem] = new Refusal(code, message);
        LogRefused(Logger, code);
        metrics.GatewayRefused(code);
        return AuthenticateResult.Fail(code);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Gateway request refused: {Code}.")]
    private static partial void LogRefused(ILogger logger, string code);

    private sealed record Refusal(string Code, string Message);

    private readonly record struct Verdict(string? Code, string? Message, long UsableUntil)
    {
        public static Verdict Refused(string code, string message) => new(code, message, 0);

        public static Verdict Refused(Exception? exception) => exception switch
        {
            SecurityTokenExpiredException => Refused(ProblemCodes.TokenExpired, "'exp' has passed: sign a new token."),
            SecurityTokenNotYetValidException => Refused(ProblemCodes.TokenNotYetValid, "'nbf' is in the future: check the instance's clock."),
            SecurityTokenNoExpirationException => Refused(ProblemCodes.MalformedSignature, "The token has no 'exp'; it is required."),
            SecurityTokenInvalidLifetimeException => Refused(ProblemCodes.MalformedSignature, "The token's 'nbf' is after its 'exp'."),
            SecurityTokenInvalidAlgorithmException => Refused(ProblemCodes.UnsupportedAlgorithm, "The signature must use RS256."),
            SecurityTokenMalformedException or ArgumentException or FormatException =>
                Refused(ProblemCodes.MalformedSignature, "The token could not be read: its header or payload is not valid JSON."),
            _ => Refused(ProblemCodes.InvalidSignature,
                "The signature does not match the public key registered for this API key: the private key in the connector " +
                "is not the one made with this API key."),
        };
    }
}
