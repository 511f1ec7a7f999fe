using CommerceServices.Platform.Data;

namespace CommerceServices.Platform.Traffic;

/// <summary>Reads the gateway's per-minute rollups: for the console's Traffic page, an account's refusals, and the API.</summary>
public sealed class TrafficService(PlatformDbContext db, Services.ServiceRegistry registry, TimeProvider time)
{
    public const int MaximumHours = 24 * 30;
    public const int TopSize = 10;

    /// <summary>
    /// Calls per minute by outcome over the last <paramref name="hours"/> (optionally one environment or service), the
    /// totals per outcome, and the accounts and keys with the most refusals in that time.
    /// </summary>
    public async Task<TrafficSummary> SummaryAsync(int hours, string? environment, string? service, CancellationToken cancellationToken)
    {
        hours = Math.Clamp(hours, 1, MaximumHours);
        var until = StartOfMinute(time.GetUtcNow()).AddMinutes(1);
        var since = until.AddHours(-hours);
        var minutes = db.Set<TrafficMinute>().AsNoTracking().Where(t => t.Minute >= since && t.Minute < until);
        if (!string.IsNullOrWhiteSpace(environment))
        {
            minutes = minutes.Where(t => t.Environment == environment);
        }

        if (!string.IsNullOrWhiteSpace(service))
        {
            minutes = minutes.Where(t => t.Service == service);
        }

        var series = (await minutes.GroupBy(t => new { t.Minute, t.Outcome })
                .Select(g => new { g.Key.Minute, g.Key.Outcome, Count = g.Sum(t => t.Count) })
                .ToListAsync(cancellationToken))
            .Select(p => new TrafficPoint(p.Minute, p.Outcome, p.Count)).OrderBy(p => p.Minute).ToList();

        // The top lists count refusals of every environment and service: a key is of one environment anyway.
        var refusals = db.Set<TrafficRefusal>().AsNoTracking().Where(t => t.Minute >= since && t.Minute < until);
        var topKeys = (await refusals.GroupBy(t => new { t.ApiKey, t.AccountId })
                .Select(g => new { g.Key.ApiKey, g.Key.AccountId, Count = g.Sum(t => t.Count) })
                .OrderByDescending(g => g.Count).Take(TopSize).ToListAsync(cancellationToken))
            .Select(k => new TopRefused(k.ApiKey, k.AccountId, k.Count)).ToList();
        var topAccounts = (await refusals.Where(t => t.AccountId != "").GroupBy(t => t.AccountId)
                .Select(g => new { AccountId = g.Key, Count = g.Sum(t => t.Count) })
                .OrderByDescending(g => g.Count).Take(TopSize).ToListAsync(cancellationToken))
            .Select(a => new TopRefused(null, a.AccountId, a.Count)).ToList();

        var dimensions = await db.Set<TrafficMinute>().AsNoTracking().Where(t => t.Minute >= since && t.Minute < until)
            .Select(t => new { t.Environment, t.Service }).Distinct().ToListAsync(cancellationToken);
        return new TrafficSummary(since, until, series, topAccounts, topKeys,
            dimensions.Select(d => d.Environment).Distinct().Order().ToList(),
            dimensions.Select(d => d.Service).Concat(registry.All.Select(s => s.Id)).Distinct().Order().ToList());
    }

    /// <summary>The account's refused calls of the last <paramref name="hours"/>, newest minute first.</summary>
    public async Task<IReadOnlyList<AccountRefusal>> RefusalsOfAsync(string accountId, int hours, int limit, CancellationToken cancellationToken)
    {
        var since = time.GetUtcNow().AddHours(-Math.Clamp(hours, 1, MaximumHours));
        return (await db.Set<TrafficRefusal>().AsNoTracking()
                .Where(t => t.AccountId == accountId && t.Minute >= since)
                .OrderByDescending(t => t.Minute).ThenBy(t => t.ApiKey).Take(Math.Clamp(limit, 1, 500))
                .ToListAsync(cancellationToken))
            .Select(t => new AccountRefusal(t.Minute, t.ApiKey, t.Outcome, t.Count)).ToList();
    }

    private static DateTimeOffset StartOfMinute(DateTimeOffset t) => DateTimeOffset.FromUnixTimeSeconds(t.ToUnixTimeSeconds() / 60 * 60);
}

public sealed record TrafficPoint(DateTimeOffset Minute, string Outcome, long Count);

/// <summary>An API key (null for an account's row) or account and its refused calls.</summary>
public sealed record TopRefused(string? ApiKey, string AccountId, long Count);

public sealed record AccountRefusal(DateTimeOffset Minute, string ApiKey, string Outcome, long Count);

public sealed record TrafficSummary(
    DateTimeOffset Since,
    DateTimeOffset Until,
    IReadOnlyList<TrafficPoint> Series,
    IReadOnlyList<TopRefused> TopAccounts,
    IReadOnlyList<TopRefused> TopKeys,
    IReadOnlyList<string> Environments,
    IReadOnlyList<string> Services)
{
    /// <summary>Calls per outcome over the whole time, largest first.</summary>
    public IReadOnlyList<(string Outcome, long Count)> Totals =>
        Series.GroupBy(p => p.Outcome).Select(g => (g.Key, g.Sum(p => p.Count))).OrderByDescending(t => t.Item2).ThenBy(t => t.Key).ToList();
}
