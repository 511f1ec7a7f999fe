using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;

namespace CommerceServices.Platform.Registry;

/// <summary>
/// Project names are unique in an account ignoring case, in every alphabet: compared after trimming and Unicode case
/// folding ("Åland" and "åland", "ΟΔΟΣ" and "οδος" are one name). The folded form is stored next to the name, under a
/// unique index, so the database keeps the rule under concurrent creates on SQLite and PostgreSQL alike (SQLite's
/// <c>lower()</c> folds ASCII only; PostgreSQL's depends on the database's locale). The platform runs with invariant
/// globalization, which has Unicode case mappings but no normalisation data, so canonically equal spellings (an "Å" typed
/// as "A" and a combining ring) are not unified.
/// </summary>
public static partial class ProjectNames
{
    /// <summary>The form two names are compared in.</summary>
    public static string Normalize(string name) => name.Trim().ToUpperInvariant().ToLowerInvariant();

    /// <summary>
    /// Gives projects made before the folded form was stored theirs, oldest first. Two old projects of one account whose
    /// names fold alike (which the platform did not refuse then) both stay, with all their data spaces: the younger one
    /// is renamed "Name (2)" (or 3, …), the rename is written to the account's audit log, and a warning names both.
    /// </summary>
    public static async Task BackfillAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        await BackfillAsync(scope.ServiceProvider.GetRequiredService<PlatformDbContext>(), scope.ServiceProvider.GetRequiredService<AuditLog>(),
            scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ProjectNames).FullName!), cancellationToken);
    }

    /// <inheritdoc cref="BackfillAsync(IServiceProvider, CancellationToken)"/>
    public static async Task BackfillAsync(PlatformDbContext db, AuditLog audit, ILogger logger, CancellationToken cancellationToken = default)
    {
        // Another node upgrading the same database at the same moment may fill some in first: read again and go on.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await BackfillOnceAsync(db, audit, logger, cancellationToken);
                return;
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation() && attempt < 5)
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    private static async Task BackfillOnceAsync(PlatformDbContext db, AuditLog audit, ILogger logger, CancellationToken cancellationToken)
    {
        var missing = await db.Projects.Where(p => p.NormalizedName == null).OrderBy(p => p.CreatedAt).ThenBy(p => p.Id)
            .ToListAsync(cancellationToken);
        if (missing.Count == 0)
        {
            return;
        }

        var accounts = missing.Select(p => p.AccountId).Distinct().ToList();
        var taken = (await db.Projects.AsNoTracking().Where(p => p.NormalizedName != null && accounts.Contains(p.AccountId))
                .Select(p => new { p.AccountId, p.NormalizedName }).ToListAsync(cancellationToken))
            .Select(p => (p.AccountId, p.NormalizedName!)).ToHashSet();
        foreach (var project in missing)
        {
            var normalized = Normalize(project.Name);
            if (!taken.Add((project.AccountId, normalized)))
            {
                var original = project.Name;
                var name = original;
                for (var n = 2; !taken.Add((project.AccountId, normalized = Normalize(name = $"{original.Trim()} ({n})"))); n++)
                {
                }

                project.Name = name;
                audit.Record(project.AccountId, AuditActions.ProjectRenamed, "platform upgrade",
                    detail: $"{project.Id}: '{original}' → '{name}' (another project of the account has the same name)");
                LogRenamed(logger, project.Id, original, name);
            }

            project.NormalizedName = normalized;
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 1211, EventName = "ProjectRenamedOnUpgrade", Level = LogLevel.Warning,
        Message = "Project {ProjectId} was named '{Name}' like an older project of its account; renamed '{NewName}' so names stay unique.")]
    private static partial void LogRenamed(ILogger logger, string projectId, string name, string newName);
}
