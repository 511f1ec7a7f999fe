using System.Text.Json.Serialization;
using CommerceServices.Protocol;

namespace CommerceServices.Platform.Accounts;

// The JSON shapes of the management API. Public data only: no view has a field that could hold a stored secret.

public sealed record AccountView(string Id, string Email, string Name, DateTimeOffset CreatedAt, IReadOnlyList<string> Entitlements)
{
    public static AccountView Of(Account a) =>
        new(a.Id, a.Email, a.Name, a.CreatedAt, a.Entitlements.Select(e => e.Service).Order().ToList());
}

public sealed record KeyPairView(
    string ApiKey,
    string Environment,
    string Status,
    string Origin,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt,
    DateTimeOffset? LastUsedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? LastUsedFrom = null)
{
    public static KeyPairView Of(KeyPair k, DateTimeOffset now) => new(
        k.ApiKey,
        k.Environment.ToName(),
        k.StatusAt(now).ToString().ToLowerInvariant(),
        k.Origin.ToString().ToLowerInvariant(),
        k.CreatedAt,
        k.ExpiresAt ?? k.RevokedAt,
        k.RevokedAt,
        k.LastUsedAt,
        k.LastUsedFrom);
}

/// <summary>The answer to create and roll: the only place a private key ever appears (R7).</summary>
public sealed record IssuedKeyPairView(
    string ApiKey,
    string Environment,
    string Status,
    string Origin,
    DateTimeOffset CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PrivateKey,
    KeyPairView? Previous)
{
    public static IssuedKeyPairView Of(IssuedKeyPair issued, DateTimeOffset now)
    {
        var key = KeyPairView.Of(issued.Key, now);
        return new(key.ApiKey, key.Environment, key.Status, key.Origin, key.CreatedAt, issued.PrivateKeyPem,
            issued.Previous is null ? null : KeyPairView.Of(issued.Previous, now));
    }
}

public sealed record AuditEventView(string Id, string Action, string Actor, DateTimeOffset At, string? ApiKey, string? Detail)
{
    public static AuditEventView Of(AuditEvent e) => new(e.Id, e.Action, e.Actor, e.At, e.ApiKey, e.Detail);
}

public sealed record CreateAccountRequest(string? Email, string? Name);

/// <summary>Create or roll a pair. With <c>PublicKey</c> (PEM) the platform registers it and makes no private key (R19).</summary>
public sealed record IssueKeyRequest(string? Environment, string? PublicKey, int? GraceSeconds);
