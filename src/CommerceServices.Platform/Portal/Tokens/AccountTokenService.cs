using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Portal.Users;
using CommerceServices.Protocol;

namespace CommerceServices.Platform.Portal.Tokens;

/// <summary>Account tokens: made and revoked in the portal, presented by the CLI and scripts to the management API.</summary>
public sealed class AccountTokenService(PlatformDbContext db, AuditLog audit, TimeProvider time)
{
    /// <summary>Every account token starts with this, so the management API can tell it from the operator token.</summary>
    public const string Prefix = "cs_tok_";

    /// <summary>Last use is written at most this often per token, so a busy script does not write on every call.</summary>
    public static readonly TimeSpan LastUseResolution = TimeSpan.FromMinutes(1);

    public async Task<Outcome<IssuedAccountToken>> CreateAsync(string accountId, string? name, string actor, CancellationToken cancellationToken)
    {
        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > 100)
        {
            return new PlatformError(ProblemCodes.InvalidRequest, "A token needs a 'name' of 1 to 100 characters, such as 'deploy script'.");
        }

        if (NameRules.Check(trimmed, "name") is { } forbidden)
        {
            return forbidden;
        }

        if (!await db.Accounts.AnyAsync(a => a.Id == accountId, cancellationToken))
        {
            return AccountService.NotFound(accountId);
        }

        var secret = Prefix + UserService.NewSecret();
        var token = new AccountToken
        {
            Id = Ids.New("tok"),
            AccountId = accountId,
            Name = trimmed,
            TokenHash = UserService.Hash(secret),
            Hint = secret[..(Prefix.Length + 4)] + "…",
            CreatedBy = actor,
            CreatedAt = time.GetUtcNow(),
        };
        db.Set<AccountToken>().Add(token);
        audit.Record(accountId, PortalAuditActions.TokenCreated, actor, detail: $"{token.Id} '{token.Name}'");
        await db.SaveChangesAsync(cancellationToken);
        return new IssuedAccountToken(token, secret);
    }

    public async Task<IReadOnlyList<AccountToken>> ListAsync(string accountId, CancellationToken cancellationToken) =>
        await db.Set<AccountToken>().AsNoTracking().Where(t => t.AccountId == accountId)
            .OrderByDescending(t => t.CreatedAt).ThenBy(t => t.Id).ToListAsync(cancellationToken);

    /// <summary>Revokes a token at once. A token of another account answers exactly as one that does not exist.</summary>
    public async Task<Outcome<AccountToken>> RevokeAsync(string accountId, string? tokenId, string actor, CancellationToken cancellationToken)
    {
        var token = await db.Set<AccountToken>().FirstOrDefaultAsync(t => t.Id == tokenId && t.AccountId == accountId, cancellationToken);
        if (token is null)
        {
            return new PlatformError(ProblemCodes.TokenNotFound, $"There is no account token '{tokenId}' in this account.");
        }

        if (token.RevokedAt is null)
        {
            token.RevokedAt = time.GetUtcNow();
            audit.Record(accountId, PortalAuditActions.TokenRevoked, actor, detail: $"{token.Id} '{token.Name}'");
            await db.SaveChangesAsync(cancellationToken);
        }

        return token;
    }

    /// <summary>The live token a presented secret names, or null. Records the use (coarsely).</summary>
    public async Task<AccountToken?> AuthenticateAsync(string presented, CancellationToken cancellationToken)
    {
        var hash = UserService.Hash(presented);
        var token = await db.Set<AccountToken>().AsNoTracking()
            .FirstOrDefaultAsync(t => t.TokenHash == hash && t.RevokedAt == null, cancellationToken);
        if (token is null)
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (token.LastUsedAt is null || now - token.LastUsedAt >= LastUseResolution)
        {
            await db.Set<AccountToken>().Where(t => t.Id == token.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), cancellationToken);
        }

        return token;
    }
}

/// <summary>A new token and its secret, which exists only in this answer.</summary>
public sealed record IssuedAccountToken(AccountToken Token, string Secret);
