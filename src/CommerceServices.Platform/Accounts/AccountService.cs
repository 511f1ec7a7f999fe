using System.Net.Mail;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Services;
using CommerceServices.Protocol;

namespace CommerceServices.Platform.Accounts;

/// <summary>Accounts and their entitlements. Used by the management API and the portal alike.</summary>
public sealed class AccountService(PlatformDbContext db, AuditLog audit, ServiceRegistry services, ServiceChangeFeed changes, TimeProvider time)
{
    public async Task<Outcome<Account>> CreateAsync(string? email, string? name, string actor, CancellationToken cancellationToken)
    {
        var normalizedEmail = email?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(normalizedEmail) || normalizedEmail.Length > 254 || NameRules.HasForbiddenCharacter(normalizedEmail)
            || !MailAddress.TryCreate(normalizedEmail, out var address) || address.Address != normalizedEmail)
        {
            return new PlatformError(ProblemCodes.InvalidRequest, "'email' must be an email address such as merchant@example.com.");
        }

        var displayName = string.IsNullOrWhiteSpace(name) ? address.User : name.Trim();
        if (displayName.Length > 200)
        {
            return new PlatformError(ProblemCodes.InvalidRequest, "'name' is longer than 200 characters.");
        }

        if (NameRules.Check(name, "name") is { } forbidden)
        {
            return forbidden;
        }

        var account = new Account
        {
            Id = Ids.New("acc"),
            Email = normalizedEmail,
            Name = displayName,
            CreatedAt = time.GetUtcNow(),
        };
        db.Accounts.Add(account);
        db.Projects.Add(Registry.RegistryService.NewDefaultProject(account.Id, account.CreatedAt));
        audit.Record(account.Id, AuditActions.AccountCreated, actor, detail: normalizedEmail);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            return new PlatformError(ProblemCodes.AccountExists, $"An account with email '{normalizedEmail}' already exists.");
        }

        return account;
    }

    public async Task<Outcome<Account>> GetAsync(string accountId, CancellationToken cancellationToken)
    {
        var account = await db.Accounts.AsNoTracking().Include(a => a.Entitlements)
            .FirstOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        return account is null ? NotFound(accountId) : account;
    }

    public async Task<IReadOnlyList<Account>> ListAsync(CancellationToken cancellationToken) =>
        await db.Accounts.AsNoTracking().Include(a => a.Entitlements)
            .OrderBy(a => a.CreatedAt).ThenBy(a => a.Id).ToListAsync(cancellationToken);

    /// <summary>
    /// Grants a service to an account (R14). Granting twice is harmless. The gateways of every node apply it when the
    /// change's announcement reaches them (at once on this node).
    /// </summary>
    public async Task<Outcome<Account>> GrantAsync(string accountId, string? service, string actor, CancellationToken cancellationToken)
    {
        var descriptor = services.Find(service);
        if (descriptor is null)
        {
            return UnknownService(service);
        }

        var account = await db.Accounts.Include(a => a.Entitlements).FirstOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        if (account is null)
        {
            return NotFound(accountId);
        }

        if (account.Entitlements.All(e => e.Service != descriptor.Id))
        {
            account.Entitlements.Add(new Entitlement { AccountId = account.Id, Service = descriptor.Id, GrantedAt = time.GetUtcNow() });
            audit.Record(account.Id, AuditActions.EntitlementGranted, actor, detail: descriptor.Id, subject: descriptor.Id);
            try
            {
                await SaveAnnouncedAsync(accountId, cancellationToken);
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation())
            {
                // A concurrent grant of the same service won; the outcome is the same.
                db.ChangeTracker.Clear();
                return await GetAsync(accountId, cancellationToken);
            }
        }

        return account;
    }

    /// <summary>Withdraws a service. Revoking one that was not granted is harmless.</summary>
    public async Task<Outcome<Account>> RevokeAsync(string accountId, string? service, string actor, CancellationToken cancellationToken)
    {
        var descriptor = services.Find(service);
        if (descriptor is null)
        {
            return UnknownService(service);
        }

        var account = await db.Accounts.Include(a => a.Entitlements).FirstOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        if (account is null)
        {
            return NotFound(accountId);
        }

        var entitlement = account.Entitlements.FirstOrDefault(e => e.Service == descriptor.Id);
        if (entitlement is not null)
        {
            account.Entitlements.Remove(entitlement);
            audit.Record(account.Id, AuditActions.EntitlementRevoked, actor, detail: descriptor.Id, subject: descriptor.Id);
            await SaveAnnouncedAsync(accountId, cancellationToken);
        }

        return account;
    }

    /// <summary>How many accounts are entitled to each service.</summary>
    public async Task<IReadOnlyDictionary<string, int>> EntitlementCountsAsync(CancellationToken cancellationToken) =>
        await db.Entitlements.GroupBy(e => e.Service).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);

    /// <summary>The accounts most recently entitled to <paramref name="service"/>.</summary>
    public async Task<IReadOnlyList<Account>> EntitledAsync(string service, int limit, CancellationToken cancellationToken) =>
        await db.Accounts.AsNoTracking()
            .Where(a => db.Entitlements.Any(e => e.AccountId == a.Id && e.Service == service))
            .OrderByDescending(a => a.CreatedAt).Take(Math.Clamp(limit, 1, MaximumSearchResults)).ToListAsync(cancellationToken);

    public const int MaximumSearchResults = 200;

    /// <summary>
    /// Accounts an operator is looking for, by any of: the start of the id, email or name (case-insensitive), the start of
    /// one of its API keys, or the start of a data space id. Each is an index range scan that stops at
    /// <paramref name="limit"/>, so the answer costs the same with a million accounts as with ten.
    /// </summary>
    public async Task<IReadOnlyList<AccountMatch>> SearchAsync(string? query, int limit, CancellationToken cancellationToken)
    {
        var q = query?.Trim() ?? "";
        limit = Math.Clamp(limit, 1, MaximumSearchResults);
        if (q.Length == 0)
        {
            var newest = await db.Accounts.AsNoTracking().Include(a => a.Entitlements)
                .OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id).Take(limit).ToListAsync(cancellationToken);
            return newest.Select(a => new AccountMatch(a, "newest")).ToList();
        }

        var lower = q.ToLowerInvariant();
        var upper = lower + char.MaxValue;
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(IEnumerable<string> ids, string matchedBy)
        {
            foreach (var id in ids)
            {
                found.TryAdd(id, matchedBy);
            }
        }

        // Ids, emails, API keys and data space ids are lower-case ASCII; names are compared lower-cased.
        Add(await db.Accounts.Where(a => string.Compare(a.Id, lower) >= 0 && string.Compare(a.Id, upper) < 0)
            .OrderBy(a => a.Id).Select(a => a.Id).Take(limit).ToListAsync(cancellationToken), "id");
        Add(await db.Accounts.Where(a => string.Compare(a.Email, lower) >= 0 && string.Compare(a.Email, upper) < 0)
            .OrderBy(a => a.Email).Select(a => a.Id).Take(limit).ToListAsync(cancellationToken), "email");
        Add(await db.Accounts.Where(a => string.Compare(a.NormalizedName, lower) >= 0 && string.Compare(a.NormalizedName, upper) < 0)
            .OrderBy(a => a.NormalizedName).Select(a => a.Id).Take(limit).ToListAsync(cancellationToken), "name");
        foreach (var key in await db.KeyPairs.Where(k => string.Compare(k.ApiKey, q) >= 0 && string.Compare(k.ApiKey, q + char.MaxValue) < 0)
                     .OrderBy(k => k.ApiKey).Select(k => new { k.AccountId, k.ApiKey }).Take(limit).ToListAsync(cancellationToken))
        {
            found.TryAdd(key.AccountId, $"API key {key.ApiKey}");
        }

        foreach (var space in await db.DataSpaces.Where(d => string.Compare(d.Id, lower) >= 0 && string.Compare(d.Id, upper) < 0)
                     .OrderBy(d => d.Id).Select(d => new { d.AccountId, d.Id }).Take(limit).ToListAsync(cancellationToken))
        {
            found.TryAdd(space.AccountId, $"data space {space.Id}");
        }

        var ids = found.Keys.Take(limit).ToList();
        var accounts = await db.Accounts.AsNoTracking().Include(a => a.Entitlements).Where(a => ids.Contains(a.Id)).ToListAsync(cancellationToken);
        return accounts.OrderBy(a => ids.IndexOf(a.Id)).Select(a => new AccountMatch(a, found[a.Id])).ToList();
    }

    /// <summary>Saves an entitlement change with its announcement in one transaction, then applies it on this node.</summary>
    private async Task SaveAnnouncedAsync(string accountId, CancellationToken cancellationToken)
    {
        var change = ServiceChangeFeed.EntitlementsOf(accountId);
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
            await ServiceChangeFeed.AnnounceAsync(db, change, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        changes.Applied(change);
    }

    internal static PlatformError NotFound(string accountId) =>
        new(ProblemCodes.AccountNotFound, $"There is no account '{accountId}'.");

    private PlatformError UnknownService(string? service) =>
        new(ProblemCodes.UnknownService,
            $"'{service}' is not a service of this platform; known: {string.Join(", ", services.All.Select(s => s.Id))}. Register it first (POST /api/v1/services).");
}

/// <summary>An account found by <see cref="AccountService.SearchAsync"/>, and what it was found by.</summary>
public sealed record AccountMatch(Account Account, string MatchedBy);
