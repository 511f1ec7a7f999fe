using System.Text.RegularExpressions;
using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Events;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Services.Lifecycle;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Registry;
using CommerceServices.Protocol.Webhooks;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Registry;

/// <summary>
/// Projects and data spaces of an account (R3, R13, R18). Every call is scoped to one account: a project or data space
/// of another account answers exactly as one that does not exist.
/// </summary>
public sealed partial class RegistryService(
    PlatformDbContext db, AuditLog audit, DataSpaceLifecycles lifecycles, LifecycleJobs jobs, IOptions<RegistryOptions> options, TimeProvider time,
    EventOutbox outbox)
{
    public const string DefaultProjectName = "Default project";

    /// <summary>The default project every account gets (called in the same unit of work as the account's creation).</summary>
    public static Project NewDefaultProject(string accountId, DateTimeOffset now) => new()
    {
        Id = Ids.New("prj"), AccountId = accountId, Name = DefaultProjectName, NormalizedName = ProjectNames.Normalize(DefaultProjectName),
        CreatedAt = now,
    };

    public async Task<Outcome<IReadOnlyList<Project>>> ListProjectsAsync(string accountId, CancellationToken cancellationToken)
    {
        if (!await db.Accounts.AnyAsync(a => a.Id == accountId, cancellationToken))
        {
            return AccountService.NotFound(accountId);
        }

        var projects = await db.Projects.AsNoTracking().Include(p => p.DataSpaces.OrderBy(d => d.CreatedAt))
            .Where(p => p.AccountId == accountId).OrderBy(p => p.CreatedAt).ThenBy(p => p.Id).ToListAsync(cancellationToken);
        return projects;
    }

    public async Task<Outcome<Project>> CreateProjectAsync(string accountId, string? name, CancellationToken cancellationToken)
    {
        if (ValidateName(name, "project") is { } invalid)
        {
            return invalid;
        }

        if (!await db.Accounts.AnyAsync(a => a.Id == accountId, cancellationToken))
        {
            return AccountService.NotFound(accountId);
        }

        // Names are how people tell projects apart in lists and in the portal: two with one name would be a trap. The
        // unique index on the folded name decides between concurrent creates; the check first only gives the usual
        // refusal without a failed write.
        var trimmed = name!.Trim();
        var normalized = ProjectNames.Normalize(trimmed);
        if (await db.Projects.AnyAsync(p => p.AccountId == accountId && p.NormalizedName == normalized, cancellationToken))
        {
            return ProjectExists(accountId, trimmed);
        }

        var project = new Project { Id = Ids.New("prj"), AccountId = accountId, Name = trimmed, NormalizedName = normalized, CreatedAt = time.GetUtcNow() };
        db.Projects.Add(project);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            return ProjectExists(accountId, trimmed);
        }

        return project;
    }

    /// <summary>What the account may have: the base quota, raised by each entitlement's quota (R3).</summary>
    public async Task<DataSpaceQuota> QuotaOfAsync(string accountId, CancellationToken cancellationToken)
    {
        var services = await db.Entitlements.Where(e => e.AccountId == accountId).Select(e => e.Service).ToListAsync(cancellationToken);
        var quota = new DataSpaceQuota { Production = options.Value.BaseQuota.Production, Testing = options.Value.BaseQuota.Testing };
        foreach (var service in services)
        {
            if (options.Value.EntitlementQuotas.TryGetValue(service, out var granted))
            {
                quota.Production = Math.Max(quota.Production, granted.Production);
                quota.Testing = Math.Max(quota.Testing, granted.Testing);
            }
        }

        return quota;
    }

    public async Task<Outcome<DataSpace>> CreateDataSpaceAsync(string accountId, string? projectId, string? name, string? type,
        string actor, CancellationToken cancellationToken)
    {
        if (!DataSpaceTypes.TryParse(type, out var dataSpaceType))
        {
            return new PlatformError(ProblemCodes.InvalidRequest, $"'{type}' is not a data space type; use 'production' or 'testing'.");
        }

        if (ValidateName(name, "data space") is { } invalid)
        {
            return invalid;
        }

        if (!await db.Accounts.AnyAsync(a => a.Id == accountId, cancellationToken))
        {
            return AccountService.NotFound(accountId);
        }

        var project = await db.Projects.FirstOrDefaultAsync(p => p.Id == projectId && p.AccountId == accountId, cancellationToken);
        if (project is null)
        {
            return new PlatformError(ProblemCodes.ProjectNotFound, $"Account '{accountId}' has no project '{projectId}'.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await LockAccountAsync(accountId, cancellationToken);
        var quota = await QuotaOfAsync(accountId, cancellationToken);
        var existing = await db.DataSpaces.CountAsync(d => d.AccountId == accountId && d.Type == dataSpaceType, cancellationToken);
        if (existing >= quota.Of(dataSpaceType))
        {
            return new PlatformError(ProblemCodes.QuotaExceeded,
                $"The account may have {quota.Of(dataSpaceType)} {dataSpaceType.ToName()} data space(s) and has {existing}. " +
                (dataSpaceType == DataSpaceType.Testing && quota.Testing == 0
                    ? "Testing data spaces come with the Payment Services entitlement."
                    : "Delete one, or reuse it for this instance."));
        }

        var dataSpace = new DataSpace
        {
            Id = Ids.New("ds"),
            AccountId = accountId,
            ProjectId = project.Id,
            Name = name!.Trim(),
            Type = dataSpaceType,
            CreatedAt = time.GetUtcNow(),
        };
        db.DataSpaces.Add(dataSpace);
        audit.Record(accountId, AuditActions.DataSpaceCreated, actor, detail: $"{dataSpace.Id} ({dataSpace.Type.ToName()}) '{dataSpace.Name}'");
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            return new PlatformError(ProblemCodes.DataSpaceExists, $"Project '{project.Id}' already has a data space named '{dataSpace.Name}'.");
        }

        await transaction.CommitAsync(cancellationToken);
        return dataSpace;
    }

    public async Task<Outcome<IReadOnlyList<DataSpace>>> ListDataSpacesAsync(string accountId, CancellationToken cancellationToken)
    {
        if (!await db.Accounts.AnyAsync(a => a.Id == accountId, cancellationToken))
        {
            return AccountService.NotFound(accountId);
        }

        var spaces = await db.DataSpaces.AsNoTracking().Where(d => d.AccountId == accountId)
            .OrderBy(d => d.CreatedAt).ThenBy(d => d.Id).ToListAsync(cancellationToken);
        return spaces;
    }

    public async Task<Outcome<DataSpaceDetails>> GetDataSpaceAsync(string accountId, string dataSpaceId, CancellationToken cancellationToken)
    {
        var dataSpace = await FindAsync(accountId, dataSpaceId, tracked: false, cancellationToken);
        if (dataSpace is null)
        {
            return DataSpaceNotFound(dataSpaceId);
        }

        return new DataSpaceDetails(dataSpace, await HoldingsAsync(accountId, dataSpace.Id, cancellationToken));
    }

    public async Task<Outcome<DataSpace>> RenameDataSpaceAsync(string accountId, string dataSpaceId, string? name, string actor,
        CancellationToken cancellationToken)
    {
        if (ValidateName(name, "data space") is { } invalid)
        {
            return invalid;
        }

        var dataSpace = await FindAsync(accountId, dataSpaceId, tracked: true, cancellationToken);
        if (dataSpace is null)
        {
            return DataSpaceNotFound(dataSpaceId);
        }

        var old = dataSpace.Name;
        dataSpace.Name = name!.Trim();
        audit.Record(accountId, AuditActions.DataSpaceRenamed, actor, detail: $"{dataSpace.Id}: '{old}' → '{dataSpace.Name}'");
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            return new PlatformError(ProblemCodes.DataSpaceExists, $"The project already has a data space named '{dataSpace.Name}'.");
        }

        return dataSpace;
    }

    /// <summary>
    /// Deletes a data space with what every service keeps in it. One that holds data, may hold data (a service that did
    /// not answer), or is bound to an instance is refused unless <paramref name="force"/>, and the refusal says what would
    /// be lost. The services cannot delete in one transaction with the registry, so the data space is first closed to
    /// gateway calls, holdings are counted again (data that arrived meanwhile is seen, never deleted unseen), and a
    /// recorded delete job asks each service until it confirms; the data space goes only then. The answer carries the
    /// job while a service has not confirmed yet.
    /// </summary>
    public async Task<Outcome<DataSpaceDetails>> DeleteDataSpaceAsync(string accountId, string dataSpaceId, bool force, string actor,
        CancellationToken cancellationToken)
    {
        var dataSpace = await FindAsync(accountId, dataSpaceId, tracked: false, cancellationToken);
        if (dataSpace is null)
        {
            return DataSpaceNotFound(dataSpaceId);
        }

        if (dataSpace.DeletionRequestedAt is null)
        {
            // Asked before closing the data space, so a refused delete never interrupts the instance using it.
            var holdings = await HoldingsAsync(accountId, dataSpace.Id, cancellationToken);
            if (!force && Refusal(dataSpace, holdings) is { } refusal)
            {
                return refusal;
            }

            await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
            {
                var locked = await FindLockedAsync(accountId, dataSpaceId, cancellationToken);
                if (locked is null)
                {
                    return DataSpaceNotFound(dataSpaceId);
                }

                if (!force && locked.InstanceId is not null)
                {
                    return Refusal(locked, holdings)!;
                }

                locked.DeletionRequestedAt ??= time.GetUtcNow();
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                dataSpace = locked;
            }

            if (!force)
            {
                holdings = await HoldingsAsync(accountId, dataSpace.Id, cancellationToken);
                if (Refusal(dataSpace, holdings) is { } late)
                {
                    await db.DataSpaces.Where(d => d.Id == dataSpace.Id).ExecuteUpdateAsync(u => u.SetProperty(d => d.DeletionRequestedAt, (DateTimeOffset?)null), cancellationToken);
                    return late;
                }
            }

            db.ChangeTracker.Clear();
            var started = await jobs.StartAsync(LifecycleJob.Delete, accountId, dataSpace.Id, null, actor, cancellationToken);
            var run = await jobs.RunStartedAsync(started.Id, cancellationToken);
            return new DataSpaceDetails(dataSpace, holdings, run);
        }

        // A delete already under way: try its services again now, and say where it stands.
        var pending = await db.Set<LifecycleJob>().AsNoTracking()
            .Where(j => j.DataSpaceId == dataSpace.Id && j.Kind == LifecycleJob.Delete && j.Status == LifecycleJobStatuses.Pending)
            .Select(j => j.Id).FirstOrDefaultAsync(cancellationToken);
        var view = pending is null
            ? await jobs.RunStartedAsync((await jobs.StartAsync(LifecycleJob.Delete, accountId, dataSpace.Id, null, actor, cancellationToken)).Id, cancellationToken)
            : await jobs.RunAsync(pending, force: true, cancellationToken);
        return new DataSpaceDetails(dataSpace, [], view);
    }

    /// <summary>
    /// The end of a delete job, every service having confirmed: the data space goes, with its binding and whatever a
    /// service inside the platform wrote in the last moment (its foreign key cascades). Runs inside the job's transaction.
    /// </summary>
    public async Task RemoveDeletedAsync(string accountId, string dataSpaceId, string actor, string detail, CancellationToken cancellationToken)
    {
        var dataSpace = await FindLockedAsync(accountId, dataSpaceId, cancellationToken);
        if (dataSpace is null)
        {
            return; // removed by an earlier run of the same job
        }

        db.DataSpaces.Remove(dataSpace);
        audit.Record(accountId, AuditActions.DataSpaceDeleted, actor,
            detail: $"{dataSpace.Id} '{dataSpace.Name}'{(dataSpace.InstanceId is null ? "" : $", bound to instance {dataSpace.InstanceId}")}; deleted: {detail}");
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The end of a copy job: its audit entry, in the job's transaction.</summary>
    public async Task RecordCopiedAsync(string accountId, string fromId, string toId, string actor, string detail, CancellationToken cancellationToken)
    {
        audit.Record(accountId, AuditActions.DataSpaceCopied, actor, detail: $"{fromId} → {toId}: {detail}");
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// Binds an instance to a data space (R13). Binding the instance already bound is harmless. The binding and its
    /// audit event commit together, with the data space locked: of two instances binding at once, exactly one wins.
    /// </summary>
    public async Task<Outcome<DataSpace>> BindInstanceAsync(string accountId, string dataSpaceId, string? instanceId, string actor,
        CancellationToken cancellationToken)
    {
        if (ValidateInstanceId(instanceId) is { } invalid)
        {
            return invalid;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var dataSpace = await FindLockedAsync(accountId, dataSpaceId, cancellationToken);
        if (dataSpace is null)
        {
            return DataSpaceNotFound(dataSpaceId);
        }

        if (dataSpace.InstanceId == instanceId)
        {
            return dataSpace;
        }

        if (dataSpace.InstanceId is not null)
        {
            return BoundElsewhere(dataSpace);
        }

        dataSpace.InstanceId = instanceId;
        audit.Record(accountId, AuditActions.DataSpaceBound, actor, detail: $"{dataSpace.Id} → instance {instanceId}");
        await outbox.AddAsync(WebhookEventTypes.DataSpaceBound, accountId, dataSpace.Type.EventEnvironment(), dataSpace.Id, dataSpace.Id, DataSpaceViews.Of(dataSpace), time.GetUtcNow(), cancellationToken: cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return dataSpace;
    }

    /// <summary>
    /// Records the Magento Cloud environment that uses a data space (the Magento module's
    /// <c>PUT …/registry/environments/{id}/cloudid/{cloudId}</c>), with the rules of binding: a data space of another
    /// account answers as none; recording the same id again is harmless; a data space that records another cloud id is
    /// refused (<c>data_space_bound_elsewhere</c>) until the operator releases it, so two Cloud environments never share one.
    /// </summary>
    public async Task<Outcome<(Project Project, DataSpace DataSpace)>> RecordCloudIdAsync(string accountId, string dataSpaceId,
        string? cloudId, string actor, CancellationToken cancellationToken)
    {
        if (cloudId is null || !InstanceIdPattern().IsMatch(cloudId))
        {
            return new PlatformError(ProblemCodes.InvalidRequest, "A Magento Cloud id must be 1 to 100 characters of letters, digits and . _ : -");
        }

        var dataSpace = await FindAsync(accountId, dataSpaceId, tracked: false, cancellationToken);
        if (dataSpace is null)
        {
            return DataSpaceNotFound(dataSpaceId);
        }

        if (dataSpace.CloudId != cloudId)
        {
            // Conditional update, committed with its audit entry: of two environments recording at once, exactly one wins.
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var recorded = await db.DataSpaces
                .Where(d => d.Id == dataSpace.Id && d.CloudId == null)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.CloudId, cloudId), cancellationToken);
            if (recorded == 1)
            {
                audit.Record(accountId, AuditActions.DataSpaceCloudIdRecorded, actor, detail: $"{dataSpace.Id} → Magento Cloud {cloudId}");
                await db.SaveChangesAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            dataSpace = await FindAsync(accountId, dataSpaceId, tracked: false, cancellationToken);
            if (dataSpace is null)
            {
                return DataSpaceNotFound(dataSpaceId);
            }

            if (dataSpace.CloudId != cloudId)
            {
                return new PlatformError(ProblemCodes.DataSpaceBoundElsewhere,
                    $"Data space '{dataSpace.Name}' is used by Magento Cloud environment '{dataSpace.CloudId}'. Each environment needs a " +
                    "data space of its own: choose another, or have the operator release this one.");
            }
        }

        var project = await db.Projects.AsNoTracking().FirstAsync(p => p.Id == dataSpace.ProjectId, cancellationToken);
        return (project, dataSpace);
    }

    /// <summary>
    /// Frees a data space. With an <paramref name="instanceId"/> (an instance releasing itself), a data space bound to
    /// another instance is refused; without one (the operator), any binding is removed. Guarded like a bind: the binding
    /// is read and cleared in one transaction with the data space locked, so a bind that lands meanwhile is either seen
    /// (and refused or released on purpose) or comes after — never wiped unseen.
    /// </summary>
    public async Task<Outcome<DataSpace>> ReleaseAsync(string accountId, string dataSpaceId, string? instanceId, string actor,
        CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var dataSpace = await FindLockedAsync(accountId, dataSpaceId, cancellationToken);
        if (dataSpace is null)
        {
            return DataSpaceNotFound(dataSpaceId);
        }

        // The operator's release (no instance) also frees a Magento Cloud id recorded on the data space.
        if (dataSpace.InstanceId is null && (dataSpace.CloudId is null || instanceId is not null))
        {
            return dataSpace;
        }

        if (instanceId is not null && dataSpace.InstanceId != instanceId)
        {
            return BoundElsewhere(dataSpace);
        }

        var previous = dataSpace.InstanceId is null ? $"Magento Cloud environment {dataSpace.CloudId}" : $"instance {dataSpace.InstanceId}";
        dataSpace.InstanceId = null;
        if (instanceId is null)
        {
            dataSpace.CloudId = null;
        }

        audit.Record(accountId, AuditActions.DataSpaceReleased, actor, detail: $"{dataSpace.Id} from {previous}");
        await outbox.AddAsync(WebhookEventTypes.DataSpaceReleased, accountId, dataSpace.Type.EventEnvironment(), dataSpace.Id, dataSpace.Id, DataSpaceViews.Of(dataSpace), time.GetUtcNow(), cancellationToken: cancellationToken);
        await db.SaveChangesAsync(cancellationToken); // the change, its audit event and its event commit together
        await transaction.CommitAsync(cancellationToken);
        return dataSpace;
    }

    /// <summary>
    /// Copies every service's data of one data space into another of the same account (R18). The target must be free or
    /// bound to <paramref name="instanceId"/>; a target another instance is using is refused (<c>data_space_bound_elsewhere</c>)
    /// before anything is copied. The services copy one by one, as a recorded job; each copy is idempotent, so a service
    /// that does not answer now is asked again until it does, and copying again never duplicates anything.
    /// </summary>
    public async Task<Outcome<CopyResult>> CopyAsync(string accountId, string? fromId, string toId, string? instanceId, string actor,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(fromId))
        {
            return new PlatformError(ProblemCodes.InvalidRequest, "Say which data space to copy from ('from').");
        }

        if (fromId == toId)
        {
            return new PlatformError(ProblemCodes.InvalidRequest, "A data space cannot be copied into itself.");
        }

        if (instanceId is not null && ValidateInstanceId(instanceId) is { } invalid)
        {
            return invalid;
        }

        var to = await FindAsync(accountId, toId, tracked: false, cancellationToken);
        var from = await FindAsync(accountId, fromId, tracked: false, cancellationToken);
        // A data space being deleted is closed to copies both ways: its delete may already have run on some services.
        if (from is null || from.DeletionRequestedAt is not null)
        {
            return DataSpaceNotFound(fromId);
        }

        if (to is null || to.DeletionRequestedAt is not null)
        {
            return DataSpaceNotFound(toId);
        }

        if (to.InstanceId is not null && to.InstanceId != instanceId)
        {
            return new PlatformError(ProblemCodes.DataSpaceBoundElsewhere,
                $"Data space '{to.Name}' is bound to instance '{to.InstanceId}', so nothing was copied into it: an instance's " +
                "data space takes data only for that instance. Bind the target to the instance first and send its 'instanceId', " +
                $"or release the target (DELETE …/data-spaces/{to.Id}/instance, or `commerce-services data-spaces release`) before copying.");
        }

        // The job is recorded with the source locked and checked again, so a delete asked meanwhile either comes first (and
        // the copy is refused) or sees this job and waits for it: its delete job never misses a copy out of the data space.
        LifecycleJob job;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            var source = await FindLockedAsync(accountId, from.Id, cancellationToken);
            if (source is null || source.DeletionRequestedAt is not null)
            {
                return DataSpaceNotFound(fromId);
            }

            job = await jobs.StartAsync(LifecycleJob.Copy, accountId, to.Id, from.Id, actor, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        var run = await jobs.RunStartedAsync(job.Id, cancellationToken);
        return new CopyResult(LifecycleJobs.CopiedOf(run, lifecycles.Registry), run.Id, run.Status);
    }

    /// <summary>What every service keeps in the data space, in its own words; a service that did not answer is listed as unknown.</summary>
    public Task<IReadOnlyList<Holding>> HoldingsAsync(string accountId, string dataSpaceId, CancellationToken cancellationToken) =>
        lifecycles.HoldingsAsync(accountId, dataSpaceId, cancellationToken);

    /// <summary>The data space when it belongs to the account; null otherwise (another account's looks the same as none).</summary>
    public Task<DataSpace?> FindAsync(string accountId, string? dataSpaceId, bool tracked, CancellationToken cancellationToken)
    {
        var query = tracked ? db.DataSpaces : db.DataSpaces.AsNoTracking();
        return query.FirstOrDefaultAsync(d => d.Id == dataSpaceId && d.AccountId == accountId, cancellationToken);
    }

    private static PlatformError ProjectExists(string accountId, string name) =>
        new(ProblemCodes.ProjectExists,
            $"Account '{accountId}' already has a project named '{name}' (names compare case-insensitively, in every alphabet); choose another name.");

    public static PlatformError DataSpaceNotFound(string? dataSpaceId) =>
        new(ProblemCodes.DataSpaceNotFound, $"There is no data space '{dataSpaceId}' in this account.");

    private static PlatformError BoundElsewhere(DataSpace dataSpace) =>
        new(ProblemCodes.DataSpaceBoundElsewhere,
            $"Data space '{dataSpace.Name}' is bound to instance '{dataSpace.InstanceId}'. Each instance needs a data space of " +
            "its own: choose another, or release this one from the instance that holds it.");

    /// <summary>
    /// The data space, tracked, locked against concurrent writers until the transaction ends. On SQLite the transaction
    /// itself is the lock (BEGIN IMMEDIATE serializes writers); PostgreSQL takes the row: binds, copies and payments into
    /// it (their foreign key takes a share lock on it) wait.
    /// </summary>
    private async Task<DataSpace?> FindLockedAsync(string accountId, string dataSpaceId, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            return await db.DataSpaces
                .FromSqlInterpolated($"""SELECT * FROM "DataSpaces" WHERE "Id" = {dataSpaceId} AND "AccountId" = {accountId} FOR UPDATE""")
                .FirstOrDefaultAsync(cancellationToken);
        }

        return await FindAsync(accountId, dataSpaceId, tracked: true, cancellationToken);
    }

    /// <summary>The refusal of a delete without force: what would be lost, or null when nothing would.</summary>
    private static PlatformError? Refusal(DataSpace dataSpace, IEnumerable<Holding> holdings)
    {
        var parts = holdings.Where(h => h.MayHoldData).Select(h => h.Describe()).ToList();
        if (dataSpace.InstanceId is not null)
        {
            parts.Add($"the binding to instance '{dataSpace.InstanceId}'");
        }

        return parts.Count == 0
            ? null
            : new PlatformError(ProblemCodes.DataSpaceNotEmpty,
                $"Deleting data space '{dataSpace.Name}' would lose {string.Join(" and ", parts)}. Copy its data elsewhere first " +
                "('commerce-services data-spaces copy --from … --to …'), or delete it anyway with '--force' (DELETE …?force=true).");
    }

    private async Task LockAccountAsync(string accountId, CancellationToken cancellationToken)
    {
        // SQLite transactions here are BEGIN IMMEDIATE: writers are serialized already. PostgreSQL needs a row lock so
        // that two concurrent creates cannot both see room in the quota.
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlInterpolatedAsync($"""SELECT 1 FROM "Accounts" WHERE "Id" = {accountId} FOR UPDATE""", cancellationToken);
        }
    }

    private static PlatformError? ValidateName(string? name, string what) =>
        string.IsNullOrWhiteSpace(name) || name.Trim().Length > 100
            ? new PlatformError(ProblemCodes.InvalidRequest, $"A {what} needs a 'name' of 1 to 100 characters.")
            : NameRules.Check(name, "name");

    private static PlatformError? ValidateInstanceId(string? instanceId) =>
        instanceId is null || !InstanceIdPattern().IsMatch(instanceId)
            ? new PlatformError(ProblemCodes.InvalidRequest,
                "'instanceId' must be 1 to 100 characters of letters, digits and . _ : -")
            : null;

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,100}$")]
    private static partial Regex InstanceIdPattern();
}

/// <summary>A data space with what each service keeps in it; <see cref="Job"/> is the delete under way, if any.</summary>
public sealed record DataSpaceDetails(DataSpace DataSpace, IReadOnlyList<Holding> Holdings, LifecycleJobView? Job = null);
