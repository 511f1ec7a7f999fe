using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Services;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Services;

/// <summary>
/// Registering, changing and removing services (the management API and the CLI), and writing the configuration's
/// services to the database at start. Each change commits with its announcement (<see cref="ServiceChangeFeed"/>), so
/// every node routes the new list within moments; this node before it answers. Each change is in the audit log, under
/// the platform's own account, with who made it.
/// </summary>
public sealed partial class ServiceRegistrations(
    PlatformDbContext db, ServiceRegistry registry, AuditLog audit, IOptions<ServiceGatewayOptions> options, TimeProvider time,
    ILogger<ServiceRegistrations> logger)
{
    public async Task<IReadOnlyList<ServiceDefinition>> ListAsync(CancellationToken cancellationToken)
    {
        var rows = await db.Set<RegisteredService>().AsNoTracking().Where(s => s.Id != ServiceDefinition.Payments.Id).ToListAsync(cancellationToken);
        return [ServiceDefinition.Payments, .. rows.Select(r => r.ToDefinition()).OrderBy(s => s.Id, StringComparer.Ordinal)];
    }

    public async Task<Outcome<ServiceDefinition>> GetAsync(string id, CancellationToken cancellationToken)
    {
        if (id == ServiceDefinition.Payments.Id)
        {
            return ServiceDefinition.Payments;
        }

        var row = await db.Set<RegisteredService>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
        return row is null ? NotFound(id) : row.ToDefinition();
    }

    public async Task<Outcome<ServiceDefinition>> CreateAsync(ServiceRegistration? registration, string actor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var defined = ServiceRules.Define(registration, null, ServiceOrigins.Api, options.Value, now, now);
        if (defined.Error is not null)
        {
            return defined;
        }

        var service = defined.Value!;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await LockServicesAsync(cancellationToken);
        var existing = await AllRowsAsync(cancellationToken);
        if (service.Id == ServiceDefinition.Payments.Id || existing.Any(s => s.Id == service.Id))
        {
            return new PlatformError(ProblemCodes.ServiceExists,
                $"A service with id '{service.Id}' is registered already; change it with PUT /api/v1/services/{service.Id}, or choose another id.");
        }

        if (Overlap(service, existing) is { } overlap)
        {
            return overlap;
        }

        db.Set<RegisteredService>().Add(RegisteredService.From(service));
        audit.Record(AuditLog.PlatformAccountId, AuditActions.ServiceRegistered, actor, detail: Describe(service), subject: service.Id);
        await CommitAsync(transaction, cancellationToken);
        LogRegistered(logger, service.Id, service.PathPrefix, service.Upstreams.Count);
        return service;
    }

    public async Task<Outcome<ServiceDefinition>> UpdateAsync(string id, ServiceRegistration? registration, string actor, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await LockServicesAsync(cancellationToken);
        var row = await Writable(id, cancellationToken);
        if (row.Error is not null)
        {
            return row.Error;
        }

        var defined = ServiceRules.Define(registration, id, ServiceOrigins.Api, options.Value, row.Value!.CreatedAt, time.GetUtcNow());
        if (defined.Error is not null)
        {
            return defined;
        }

        if (Overlap(defined.Value!, await AllRowsAsync(cancellationToken)) is { } overlap)
        {
            return overlap;
        }

        row.Value.Apply(defined.Value!);
        audit.Record(AuditLog.PlatformAccountId, AuditActions.ServiceChanged, actor, detail: Describe(defined.Value!), subject: id);
        await CommitAsync(transaction, cancellationToken);
        LogChanged(logger, id);
        return defined.Value!;
    }

    /// <summary>
    /// Removes a service: its route goes, and so do the entitlements to it (they would otherwise come back with a new
    /// service of the same id). Data it keeps in data spaces is its own and stays with it.
    /// </summary>
    public async Task<Outcome<ServiceDefinition>> DeleteAsync(string id, string actor, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var row = await Writable(id, cancellationToken);
        if (row.Error is not null)
        {
            return row.Error;
        }

        db.Set<RegisteredService>().Remove(row.Value!);
        audit.Record(AuditLog.PlatformAccountId, AuditActions.ServiceRemoved, actor, detail: Describe(row.Value!.ToDefinition()), subject: id);
        await CommitAsync(transaction, cancellationToken);
        LogRemoved(logger, id);
        return row.Value!.ToDefinition();
    }

    /// <summary>
    /// At start: Payment Services' row (entitlements refer to it), then the <c>Services</c> section written over what it
    /// defined before. A service the configuration no longer names is removed; one it defines with the id of a service
    /// registered through the API takes that service over. A configured service that is not valid, or whose prefix
    /// overlaps another's, stops the start with a sentence naming it.
    /// </summary>
    public async Task SyncConfigurationAsync(IConfiguration configuration, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var configured = new List<ServiceDefinition>();
        var failures = new List<string>();
        foreach (var (id, registration) in ConfiguredServices.Read(configuration))
        {
            var defined = ServiceRules.Define(registration, id, ServiceOrigins.Configuration, options.Value, now, now);
            if (defined.Error is { } error)
            {
                failures.Add($"{ConfiguredServices.Section}:{id}: {error.Message}");
            }
            else if (id == ServiceDefinition.Payments.Id)
            {
                failures.Add($"{ConfiguredServices.Section}:{id}: '{id}' is Payment Services, built into the platform; give the service another id.");
            }
            else
            {
                configured.Add(defined.Value!);
            }
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await LockServicesAsync(cancellationToken);
        var rows = await db.Set<RegisteredService>().ToListAsync(cancellationToken);
        var payments = rows.FirstOrDefault(r => r.Id == ServiceDefinition.Payments.Id);
        if (payments is null)
        {
            db.Set<RegisteredService>().Add(RegisteredService.From(ServiceDefinition.Payments));
        }
        else if (payments.ToDefinition().PathPrefix != ServiceDefinition.Payments.PathPrefix)
        {
            payments.Apply(ServiceDefinition.Payments);
        }

        foreach (var gone in rows.Where(r => r.Origin == ServiceOrigins.Configuration && configured.All(c => c.Id != r.Id)))
        {
            db.Set<RegisteredService>().Remove(gone);
            LogRemoved(logger, gone.Id);
        }

        var others = rows.Where(r => r.Origin != ServiceOrigins.Configuration && configured.All(c => c.Id != r.Id))
            .Select(r => r.Id == ServiceDefinition.Payments.Id ? ServiceDefinition.Payments : r.ToDefinition()).ToList();
        foreach (var service in configured)
        {
            if (ServiceRules.Overlapping(service.PathPrefix, service.Id, [.. others, .. configured]) is { } overlapping)
            {
                failures.Add($"{ConfiguredServices.Section}:{service.Id}: its pathPrefix {service.PathPrefix} overlaps {overlapping.PathPrefix} of service '{overlapping.Id}'.");
                continue;
            }

            var row = rows.FirstOrDefault(r => r.Id == service.Id);
            if (row is null)
            {
                db.Set<RegisteredService>().Add(RegisteredService.From(service));
            }
            else if (!SameSettings(row.ToDefinition(), service))
            {
                row.Apply(service with { CreatedAt = row.CreatedAt });
            }
        }

        if (failures.Count > 0)
        {
            throw new OptionsValidationException(ConfiguredServices.Section, typeof(ServiceRegistration), failures);
        }

        await CommitAsync(transaction, cancellationToken);
    }

    public static PlatformError NotFound(string id) =>
        new(ProblemCodes.ServiceNotFound, $"There is no service '{id}'. See GET /api/v1/services for the registered ones.");

    private async Task<Outcome<RegisteredService>> Writable(string id, CancellationToken cancellationToken)
    {
        var row = id == ServiceDefinition.Payments.Id ? null : await db.Set<RegisteredService>().FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (id == ServiceDefinition.Payments.Id || row?.Origin == ServiceOrigins.BuiltIn)
        {
            return new PlatformError(ProblemCodes.ServiceReadOnly, $"'{id}' is built into the platform; it cannot be changed or removed.");
        }

        if (row is null)
        {
            return NotFound(id);
        }

        return row.Origin == ServiceOrigins.Configuration
            ? new PlatformError(ProblemCodes.ServiceReadOnly,
                $"Service '{id}' is defined in the platform's configuration ({ConfiguredServices.Section}:{id}); change or remove it there and restart.")
            : row;
    }

    private async Task<List<ServiceDefinition>> AllRowsAsync(CancellationToken cancellationToken) =>
        [ServiceDefinition.Payments, .. (await db.Set<RegisteredService>().AsNoTracking().Where(s => s.Id != ServiceDefinition.Payments.Id)
            .ToListAsync(cancellationToken)).Select(r => r.ToDefinition())];

    private static PlatformError? Overlap(ServiceDefinition service, IEnumerable<ServiceDefinition> others) =>
        ServiceRules.Overlapping(service.PathPrefix, service.Id, others) is { } other
            ? new PlatformError(ProblemCodes.ServiceExists,
                $"'pathPrefix' {service.PathPrefix} overlaps {other.PathPrefix} of service '{other.Id}': a call must reach one service only. Choose another prefix.")
            : null;

    private static bool SameSettings(ServiceDefinition a, ServiceDefinition b) => a.SettingsKey == b.SettingsKey;

    /// <summary>Concurrent changes take turns (SQLite's BEGIN IMMEDIATE does this already), so two overlapping prefixes never both pass.</summary>
    private async Task LockServicesAsync(CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtext('commerce_services'))", cancellationToken);
        }
    }

    private static string Describe(ServiceDefinition service) =>
        $"{service.Id}: {service.Name} at {service.PathPrefix} to {string.Join(", ", service.Upstreams.Select(u => u.AbsoluteUri))}";

    private async Task CommitAsync(Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction, CancellationToken cancellationToken)
    {
        await db.SaveChangesAsync(cancellationToken);
        await ServiceChangeFeed.AnnounceAsync(db, ServiceChangeFeed.ServicesChange, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        // This node routes the change before it answers; the others when the announcement reaches them.
        await registry.ReloadAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 2111, Level = LogLevel.Information, Message = "Service {ServiceId} registered at {PathPrefix} with {Upstreams} upstream(s).")]
    private static partial void LogRegistered(ILogger logger, string serviceId, string pathPrefix, int upstreams);

    [LoggerMessage(EventId = 2112, Level = LogLevel.Information, Message = "Service {ServiceId} changed.")]
    private static partial void LogChanged(ILogger logger, string serviceId);

    [LoggerMessage(EventId = 2113, Level = LogLevel.Information, Message = "Service {ServiceId} removed.")]
    private static partial void LogRemoved(ILogger logger, string serviceId);
}
