using CommerceServices.Platform.Data;

namespace CommerceServices.Platform.Accounts;

/// <summary>
/// Records key and entitlement events (R22) in the same unit of work as the change they describe, so an event exists
/// exactly when its change does.
/// </summary>
public sealed class AuditLog(PlatformDbContext db, TimeProvider time)
{
    public const int MaximumPageSize = 500;

    /// <summary>Adds an event to the pending changes; the caller's <c>SaveChanges</c> writes both together.</summary>
    public void Record(string accountId, string action, string actor, string? apiKey = null, string? detail = null) =>
        db.AuditEvents.Add(new AuditEvent
        {
            Id = Ids.NewSequential("evt"),
            AccountId = accountId,
            Action = action,
            Actor = actor,
            At = time.GetUtcNow(),
            ApiKey = apiKey,
            Detail = detail,
        });

    /// <summary>The account's events, newest first.</summary>
    public async Task<IReadOnlyList<AuditEvent>> ListAsync(string accountId, int limit, CancellationToken cancellationToken) =>
        await db.AuditEvents.AsNoTracking()
            .Where(e => e.AccountId == accountId)
            .OrderByDescending(e => e.At).ThenByDescending(e => e.Id)
            .Take(Math.Clamp(limit, 1, MaximumPageSize))
            .ToListAsync(cancellationToken);

    /// <summary>One page of the account's events, newest first, and whether an older page follows (the portal's Activity).</summary>
    public async Task<(IReadOnlyList<AuditEvent> Events, bool More)> PageAsync(string accountId, int page, int size,
        CancellationToken cancellationToken)
    {
        size = Math.Clamp(size, 1, MaximumPageSize);
        var events = await db.AuditEvents.AsNoTracking()
            .Where(e => e.AccountId == accountId)
            .OrderByDescending(e => e.At).ThenByDescending(e => e.Id)
            .Skip(Math.Max(0, page - 1) * size)
            .Take(size + 1)
            .ToListAsync(cancellationToken);
        return (events.Take(size).ToList(), events.Count > size);
    }
}
