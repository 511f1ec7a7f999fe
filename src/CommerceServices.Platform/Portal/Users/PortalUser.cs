namespace CommerceServices.Platform.Portal.Users;

/// <summary>A person who signs in to the account portal. Belongs to exactly one account; the email is unique.</summary>
public sealed class PortalUser
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    /// <summary>Stored lower-cased.</summary>
    public required string Email { get; init; }

    /// <summary>ASP.NET Core Identity's <c>PasswordHasher</c> format (PBKDF2, salted, versioned).</summary>
    public required string PasswordHash { get; set; }

    /// <summary>Changes on sign-out and password change; a session cookie carrying an older stamp is refused.</summary>
    public required string SecurityStamp { get; set; }

    /// <summary>Failed sign-ins in a row since the last success or lockout.</summary>
    public int FailedSignIns { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? LastSignInAt { get; set; }
}

/// <summary>A one-time, expiring link that lets a person set a password and become a user of an account.</summary>
public sealed class Invitation
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string Email { get; init; }

    /// <summary>SHA-256 of the link's secret; the secret itself is only in the link.</summary>
    public required string TokenHash { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset ExpiresAt { get; init; }

    public DateTimeOffset? AcceptedAt { get; set; }
}
