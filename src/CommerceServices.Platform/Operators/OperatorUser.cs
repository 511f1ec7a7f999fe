namespace CommerceServices.Platform.Operators;

/// <summary>
/// A person who runs the platform and signs in to the operator console. Separate from the merchants' portal users: an
/// operator belongs to no account, and a portal session or an account token never passes for one.
/// </summary>
public sealed class OperatorUser
{
    public required string Id { get; init; }

    /// <summary>Stored lower-cased; unique among operators.</summary>
    public required string Email { get; init; }

    public OperatorRole Role { get; set; }

    /// <summary>ASP.NET Core Identity's <c>PasswordHasher</c> format (PBKDF2, salted, versioned).</summary>
    public required string PasswordHash { get; set; }

    /// <summary>Changes on sign-out, second-factor changes and disabling; a session carrying an older stamp is refused.</summary>
    public required string SecurityStamp { get; set; }

    /// <summary>Failed sign-ins (password or code) in a row since the last success or lockout.</summary>
    public int FailedSignIns { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }

    /// <summary>
    /// The TOTP secret (RFC 6238), encrypted with the platform's Data Protection keys; null until enrolment is
    /// confirmed with a first code. While enrolling, <see cref="PendingTotpSecret"/> holds the secret being set up.
    /// </summary>
    public string? TotpSecret { get; set; }

    public string? PendingTotpSecret { get; set; }

    /// <summary>The last TOTP time step accepted: a code is never accepted twice (RFC 6238 section 5.2).</summary>
    public long? LastTotpStep { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? LastSignInAt { get; set; }

    /// <summary>Set when an admin removes the operator: the record stays for the audit, sign-in stops.</summary>
    public DateTimeOffset? DisabledAt { get; set; }

    /// <summary>Admins must use a second factor; support operators may.</summary>
    public bool MustUseTotp => Role == OperatorRole.Admin;

    /// <summary>The name operator actions are audited under.</summary>
    public string Actor => OperatorRoles.ActorOf(Email);
}

public enum OperatorRole
{
    /// <summary>Reads everything and changes everything.</summary>
    Admin,

    /// <summary>Reads everything and changes nothing.</summary>
    Support,
}

public static class OperatorRoles
{
    public const string Admin = "admin";
    public const string Support = "support";

    public static string ToName(this OperatorRole role) => role == OperatorRole.Admin ? Admin : Support;

    public static bool TryParse(string? value, out OperatorRole role)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case Admin:
                role = OperatorRole.Admin;
                return true;
            case Support:
                role = OperatorRole.Support;
                return true;
            default:
                role = default;
                return false;
        }
    }

    /// <summary>
    /// <c>operator:alice@example.com</c>: an operator user in the audit log, told apart from a merchant user of the same
    /// email (portal users are audited by their bare email) and from the operator token (<c>operator</c>).
    /// </summary>
    public static string ActorOf(string email) => $"operator:{email}";
}

/// <summary>A one-time, expiring link that lets a person set a password and become an operator with a role.</summary>
public sealed class OperatorInvitation
{
    public required string Id { get; init; }

    public required string Email { get; init; }

    public OperatorRole Role { get; init; }

    /// <summary>SHA-256 of the link's secret; the secret itself is only in the link.</summary>
    public required string TokenHash { get; init; }

    public required string InvitedBy { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset ExpiresAt { get; init; }

    public DateTimeOffset? AcceptedAt { get; set; }
}

/// <summary>One single-use recovery code of an operator, stored as its SHA-256 only. Shown once, at enrolment.</summary>
public sealed class OperatorRecoveryCode
{
    public required string OperatorId { get; init; }

    public required string CodeHash { get; init; }

    public DateTimeOffset? UsedAt { get; set; }
}
