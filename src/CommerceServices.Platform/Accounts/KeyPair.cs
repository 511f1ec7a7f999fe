using CommerceServices.Protocol;

namespace CommerceServices.Platform.Accounts;

/// <summary>
/// The platform's record of an API key pair: the public API key and the RSA public key. The private key is never
/// stored (R7). Records are kept after revocation, for the audit and for a clear <c>revoked_api_key</c> answer.
/// </summary>
public sealed class KeyPair
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public GatewayEnvironment Environment { get; init; }

    /// <summary>The public API key (R20 format); unique.</summary>
    public required string ApiKey { get; init; }

    /// <summary>SubjectPublicKeyInfo PEM.</summary>
    public required string PublicKeyPem { get; init; }

    /// <summary>
    /// <see cref="KeyFingerprints.Of(string)"/> of the public key; unique, so one public key belongs to one pair only and
    /// a token made for one pair can never be replayed with another pair's API key. Null only on a pair registered before
    /// fingerprints existed, until the start-up backfill.
    /// </summary>
    public string? PublicKeyFingerprint { get; set; }

    public KeyOrigin Origin { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Set by a roll: the key keeps working until then and retires by itself (R17).</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>Set when the key is deleted or replaced by a new pair (R5).</summary>
    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>Updated in batches by the gateway (R22).</summary>
    public DateTimeOffset? LastUsedAt { get; set; }

    /// <summary>The client address of the last use (as the gateway's listener saw it), written with <see cref="LastUsedAt"/>.</summary>
    public string? LastUsedFrom { get; set; }

    /// <summary>
    /// <c>{account}:{environment}</c> while the pair is the active one, null otherwise. A unique index on it makes
    /// "one active pair per environment" (R5) hold under any concurrency, on SQLite and PostgreSQL alike.
    /// </summary>
    public string? ActiveSlot { get; set; }

    public static string SlotOf(string accountId, GatewayEnvironment environment) => $"{accountId}:{environment.ToName()}";

    public KeyStatus StatusAt(DateTimeOffset now) =>
        !IsUsable(RevokedAt, ExpiresAt, now) ? KeyStatus.Revoked
        : ExpiresAt is not null ? KeyStatus.Expiring
        : KeyStatus.Active;

    /// <summary>The one rule for whether a key still works: not revoked, and not past the end of a roll's grace.</summary>
    public static bool IsUsable(DateTimeOffset? revokedAt, DateTimeOffset? expiresAt, DateTimeOffset now) =>
        revokedAt is null && (expiresAt is null || expiresAt > now);
}

public enum KeyStatus
{
    Active,
    Expiring,
    Revoked,
}

public enum KeyOrigin
{
    /// <summary>Made by the platform; the private key was handed out once.</summary>
    Platform,

    /// <summary>Made by the instance; only the public key was uploaded (R19).</summary>
    Uploaded,
}
