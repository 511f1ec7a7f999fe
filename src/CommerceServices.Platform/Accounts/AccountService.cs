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
        if (string.IsNullOrEmpty(normalizedEmail) || normalizedEmail.Length > 254
            || !MailAddress.TryCreate(normalizedEmail, out var address) || address.Address != normalizedEmail)
        {
            return new PlatformError(ProblemCodes.InvalidRequest, "'email' must be an email address such as merchant@example.com.");
        }

        var displayName = string.IsNullOrWhiteSpace(name) ? address.User : name.Trim();
        if (displayName.Length > 200)
        {
            return new PlatformError(ProblemCodes.InvalidRequest, "'name' is longer than 200 characters.");
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
            audit.Record(account.Id, AuditActions.EntitlementGranted, actor, detail: descriptor.Id);
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
            audit.Record(account.Id, AuditActions.EntitlementRevoked, actor, detail: descriptor.Id);
            await SaveAnnouncedAsync(accountId, cancellationToken);
        }

        return account;
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
