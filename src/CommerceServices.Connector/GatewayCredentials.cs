using System.Security.Cryptography;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Keys;
using CommerceServices.Protocol.Tokens;

namespace CommerceServices.Connector;

/// <summary>
/// A key pair ready to sign: the API key and the private key, with the current <c>x-gw-signature</c> token. One token
/// is signed and shared by every request until shortly before it expires; then exactly one caller signs the next one
/// while the others keep using the current token (it is still valid for <see cref="RenewBefore"/>).
/// </summary>
public sealed class GatewayCredentials
{
    /// <summary>How long a token lives (the gateway accepts at most five minutes).</summary>
    public static readonly TimeSpan Lifetime = GatewayTokenRules.MaximumLifetime;

    /// <summary>A new token is signed this long before the current one expires.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromSeconds(60);

    private readonly GatewayTokenSigner _signer;
    private readonly TimeProvider _time;
    private readonly Lock _signing = new();
    private volatile SignedToken? _token;
    private long _signatures;

    private GatewayCredentials(string apiKey, GatewayEnvironment environment, RSA privateKey, string privateKeyPem, TimeProvider time)
    {
        ApiKey = apiKey;
        Environment = environment;
        PrivateKey = privateKey;
        PrivateKeyPem = privateKeyPem;
        _signer = new GatewayTokenSigner(privateKey);
        _time = time;
    }

    public string ApiKey { get; }

    public GatewayEnvironment Environment { get; }

    /// <summary>How many tokens these credentials have signed: one RSA signature per token, not per request.</summary>
    public long SignatureCount => Interlocked.Read(ref _signatures);

    internal RSA PrivateKey { get; }

    internal string PrivateKeyPem { get; }

    /// <summary>
    /// Checks <paramref name="keys"/> offline: the API key's shape, checksum and environment (R20), and that the private
    /// key is an RSA key in PEM (PKCS#8 or PKCS#1, repaired when pasted badly). Whether the two belong together only
    /// the gateway can tell.
    /// </summary>
    public static CredentialsResult Create(GatewayEnvironment environment, EnvironmentKeys keys, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var check = ApiKeyFormat.Check(keys.ApiKey);
        if (!check.IsValid)
        {
            return CredentialsResult.Fail(check.Code!, $"The {environment.ToName()} API key is not valid: {check.Message}");
        }

        if (check.Environment != environment)
        {
            return CredentialsResult.Fail(ProblemCodes.EnvironmentMismatch,
                $"This is a {check.Environment.ToName()} API key ('{ApiKeyFormat.PrefixFor(check.Environment)}…'), but it was " +
                $"entered as the {environment.ToName()} key, which starts with '{ApiKeyFormat.PrefixFor(environment)}'. " +
                $"Enter it in the {check.Environment.ToName()} field, or use the {environment.ToName()} key from the account portal.");
        }

        var read = RsaPem.ReadPrivateKey(keys.PrivateKeyPem);
        if (!read.Success)
        {
            return CredentialsResult.Fail(ConnectorCodes.MalformedPrivateKey, $"The {environment.ToName()} private key is not usable: {read.Error}");
        }

        // Kept as the repaired PKCS#8 PEM, whatever layout it was pasted in.
        var pem = read.Key!.ExportPkcs8PrivateKeyPem();
        return CredentialsResult.Ok(new GatewayCredentials(check.ApiKey!, environment, read.Key!, pem, time ?? TimeProvider.System));
    }

    /// <summary>The current token, signing a new one only when it is missing or about to expire.</summary>
    public string GetToken()
    {
        var now = _time.GetUtcNow();
        var token = _token;
        if (token is not null && now < token.RenewAt && now >= token.IssuedAt)
        {
            return token.Value;
        }

        lock (_signing)
        {
            now = _time.GetUtcNow();
            token = _token;
            if (token is not null && now < token.RenewAt && now >= token.IssuedAt)
            {
                return token.Value;
            }

            var value = _signer.CreateToken(now, Lifetime);
            Interlocked.Increment(ref _signatures);
            _token = new SignedToken(value, now, now + Lifetime - RenewBefore);
            return value;
        }
    }

    /// <summary>Forgets the current token, so the next request signs a fresh one.</summary>
    public void Reset() => _token = null;

    public override string ToString() => $"{Environment.ToName()} {ApiKey}";

    private sealed record SignedToken(string Value, DateTimeOffset IssuedAt, DateTimeOffset RenewAt);
}

/// <summary>Credentials built from keys, or why the keys cannot be used.</summary>
public readonly record struct CredentialsResult(GatewayCredentials? Credentials, string? Code, string? Message)
{
    public bool Success => Credentials is not null;

    public static CredentialsResult Ok(GatewayCredentials credentials) => new(credentials, null, null);

    public static CredentialsResult Fail(string code, string message) => new(null, code, message);
}
