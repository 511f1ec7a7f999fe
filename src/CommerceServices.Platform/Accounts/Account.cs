namespace CommerceServices.Platform.Accounts;

/// <summary>A customer of the platform: the owner of key pairs, projects and entitlements (the equivalent of a MageID).</summary>
public sealed class Account
{
    public required string Id { get; init; }

    /// <summary>Stored lower-cased; unique.</summary>
    public required string Email { get; set; }

    public required string Name { get; set; }

    /// <summary>
    /// <see cref="Name"/> lower-cased, stored and indexed so that operators find an account by the start of its name
    /// without scanning every account. Follows the name; the value set is ignored.
    /// </summary>
    public string NormalizedName
    {
        get => Name.ToLowerInvariant();
        private set { }
    }

    public DateTimeOffset CreatedAt { get; init; }

    public List<Entitlement> Entitlements { get; init; } = [];
}

/// <summary>The right of an account to use a service (R14). Keys made by the account carry it.</summary>
public sealed class Entitlement
{
    public required string AccountId { get; init; }

    public required string Service { get; init; }

    public DateTimeOffset GrantedAt { get; init; }
}
