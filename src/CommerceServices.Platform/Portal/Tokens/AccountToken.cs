namespace CommerceServices.Platform.Portal.Tokens;

/// <summary>
/// A named bearer token a merchant makes for the CLI and scripts. It acts for its own account only. The token is shown
/// once; the platform keeps only its SHA-256 (the token has 256 random bits, so a fast hash is enough).
/// </summary>
public sealed class AccountToken
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string Name { get; init; }

    /// <summary>Lower-case hex SHA-256 of the token.</summary>
    public required string TokenHash { get; init; }

    /// <summary>The first characters of the token, so a person can tell tokens apart.</summary>
    public required string Hint { get; init; }

    public required string CreatedBy { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
