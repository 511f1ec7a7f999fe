using System.Runtime.CompilerServices;
using CommerceServices.Platform.Data;

namespace CommerceServices.Platform.Accounts;

/// <summary>
/// Records events (R22) in the same unit of work as the change they describe, so an event exists exactly when its
/// change does; and reads them back: an account's trail, and the operators' search and export over the whole log.
/// </summary>
public sealed class AuditLog(PlatformDbContext db, TimeProvider time)
{
    public const int MaximumPageSize = 500;

    /// <summary>The "account" of events about the platform rather than one account (operators, their sign-ins).</summary>
    public const string PlatformAccountId = "platform";

    /// <summary>Adds an event to the pending changes; the caller's <c>SaveChanges</c> writes both together.</summary>
    public void Record(string accountId, string action, string actor, string? apiKey = null, string? detail = null, string? subject = null) =>
        db.AuditEvents.Add(new AuditEvent
        {
            Id = Ids.NewSequential("evt"),
            AccountId = accountId,
            Action = action,
            Actor = actor,
            At = time.GetUtcNow(),
            ApiKey = apiKey,
            Detail = detail,
            Subject = subject ?? SubjectOf(apiKey, detail),
        });

    /// <summary>
    /// The object of an event when the caller names none: its API key, else the first word of its detail when that is an
    /// id (<c>ds_…</c>, <c>tok_…</c>), an email or a service (the details are written that way: "ds_… (testing) 'name'").
    /// </summary>
    public static string? SubjectOf(string? apiKey, string? detail)
    {
        if (apiKey is not null)
        {
            return apiKey;
        }

        if (string.IsNullOrEmpty(detail))
        {
            return null;
        }

        var end = detail.IndexOfAny([' ', ':']);
        var word = end < 0 ? detail : detail[..end];
        return word.Contains('@') || IsId(word) ? word : null; // a service is named as the subject by the caller
    }

    private static bool IsId(string word)
    {
        var underscore = word.IndexOf('_');
        return underscore is >= 2 and <= 4 && word.Length > underscore + 1
            && word.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');
    }

    /// <summary>Whether <paramref name="cursor"/> is one <see cref="SearchAsync"/> gave out.</summary>
    public static bool IsCursor(string cursor) => AuditCursor.Parse(cursor) is not null;

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

    /// <summary>
    /// One page of the events matching <paramref name="query"/>, newest first, after <paramref name="cursor"/> (the
    /// <see cref="AuditPage.Next"/> of the page before). Keyset paging: page 1,000 costs what page 1 costs. Each filter
    /// is an exact match served by an index that is also in time order (see the operator console migration).
    /// </summary>
    public async Task<AuditPage> SearchAsync(AuditQuery query, string? cursor, int size, CancellationToken cancellationToken)
    {
        size = Math.Clamp(size, 1, MaximumPageSize);
        var events = await Filter(query, AuditCursor.Parse(cursor)).Take(size + 1).ToListAsync(cancellationToken);
        var page = events.Take(size).ToList();
        return new AuditPage(page, events.Count > size ? AuditCursor.Of(page[^1]) : null);
    }

    /// <summary>
    /// Every event matching <paramref name="query"/>, newest first, read as they are written out (an export): memory stays
    /// flat however many there are. <paramref name="limit"/> caps the count when given.
    /// </summary>
    public async IAsyncEnumerable<AuditEvent> StreamAsync(AuditQuery query, int? limit,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = Filter(query, null);
        if (limit is { } max)
        {
            events = events.Take(Math.Max(0, max));
        }

        await foreach (var e in events.AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            yield return e;
        }
    }

    private IQueryable<AuditEvent> Filter(AuditQuery query, AuditCursor? after)
    {
        var events = db.AuditEvents.AsNoTracking();
        if (query.AccountId is { } accountId)
        {
            events = events.Where(e => e.AccountId == accountId);
        }

        if (query.Actor is { } actor)
        {
            events = events.Where(e => e.Actor == actor);
        }

        if (query.Action is { } action)
        {
            events = events.Where(e => e.Action == action);
        }

        if (query.Subject is { } subject)
        {
            events = events.Where(e => e.Subject == subject);
        }

        if (query.From is { } from)
        {
            events = events.Where(e => e.At >= from);
        }

        if (query.To is { } to)
        {
            events = events.Where(e => e.At < to);
        }

        if (after is { } c)
        {
            events = events.Where(e => e.At < c.At || (e.At == c.At && string.Compare(e.Id, c.Id) < 0));
        }

        return events.OrderByDescending(e => e.At).ThenByDescending(e => e.Id);
    }
}

/// <summary>
/// What to look for in the audit log; every part is optional and exact (trimmed; emails and actions lower-cased).
/// <see cref="From"/> is inclusive, <see cref="To"/> exclusive.
/// </summary>
public sealed record AuditQuery(string? AccountId = null, string? Actor = null, string? Action = null, string? Subject = null,
    DateTimeOffset? From = null, DateTimeOffset? To = null)
{
    /// <summary>A query from loosely typed input (form fields, query strings): blanks are dropped, values trimmed.</summary>
    public static AuditQuery Of(string? accountId, string? actor, string? action, string? subject, DateTimeOffset? from, DateTimeOffset? to) =>
        new(Clean(accountId), Clean(actor), Clean(action)?.ToLowerInvariant(), Clean(subject), from, to);

    public bool IsEmpty => this == new AuditQuery();

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>A page of events and the cursor of the next (older) page, null on the last one.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEvent> Events, string? Next);

/// <summary>Where a page ends: the time and id of its last event, as <c>{unix ms}.{id}</c>.</summary>
internal readonly record struct AuditCursor(DateTimeOffset At, string Id)
{
    public static string Of(AuditEvent e) => $"{e.At.ToUnixTimeMilliseconds()}.{e.Id}";

    public static AuditCursor? Parse(string? cursor)
    {
        var dot = cursor?.IndexOf('.') ?? -1;
        return dot > 0 && long.TryParse(cursor![..dot], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ms)
               && ms is >= 0 and < 253402300800000
            ? new AuditCursor(DateTimeOffset.FromUnixTimeMilliseconds(ms), cursor[(dot + 1)..])
            : null;
    }
}
