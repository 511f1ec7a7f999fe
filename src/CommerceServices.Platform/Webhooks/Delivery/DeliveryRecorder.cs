using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Webhooks.Delivery;

/// <summary>
/// Writes what attempts came to, many in one transaction: each attempt, its delivery's new state (succeeded, waiting for
/// its next retry, or failed for good), and its endpoint's health. A delivery whose lease this node lost (it took longer
/// than the lease and another node took the row) is left to that node. Also the housekeeping every node shares:
/// deliveries past their last retry are closed, old attempts deleted.
/// </summary>
internal sealed partial class DeliveryRecorder(
    IServiceScopeFactory scopes, SqliteWriteGate writeGate, IOptions<WebhooksOptions> options, TimeProvider time, ILogger<DeliveryRecorder> logger)
{
    private static readonly TimeSpan LongestRetryAfter = TimeSpan.FromDays(1);

    // When this node last saw each endpoint come back after being down. An attempt that began before that and failed
    // (it was on its way while the receiver was still away) is tried again at once, not at its next retry, which may be
    // hours off: the endpoint is back, and that attempt only lost a race with its return.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _backAt = new(StringComparer.Ordinal);

    private RetrySchedule Schedule => new(options.Value.Schedule);

    public async Task RecordAsync(IReadOnlyList<AttemptResult> results, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditLog>();
        var schedule = Schedule;
        var node = options.Value.Node;
        var now = time.GetUtcNow();
        using var writer = await writeGate.EnterAsync(db, cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Endpoints that are down and answer again in this very batch: their failures that began before are late too.
        var succeeded = results.Where(r => r.Succeeded).Select(r => r.Delivery.EndpointId).Distinct().ToList();
        var comingBack = succeeded.Count == 0 ? [] : await db.WebhookEndpoints.AsNoTracking()
            .Where(e => succeeded.Contains(e.Id) && e.ConsecutiveFailures >= options.Value.CircuitThreshold).Select(e => e.Id)
            .ToListAsync(cancellationToken);
        var succeededAt = results.Where(r => r.Succeeded && comingBack.Contains(r.Delivery.EndpointId)).GroupBy(r => r.Delivery.EndpointId)
            .ToDictionary(g => g.Key, g => g.Min(r => r.At + r.Duration), StringComparer.Ordinal);
        foreach (var result in results)
        {
            var delivery = result.Delivery;
            var finishedAt = result.At + result.Duration;
            db.WebhookAttempts.Add(new WebhookAttempt
            {
                Id = Ids.NewSequential("wha"),
                DeliveryId = delivery.Id,
                EndpointId = delivery.EndpointId,
                At = result.At,
                DurationMs = (int)Math.Min(int.MaxValue, result.Duration.TotalMilliseconds),
                StatusCode = result.StatusCode,
                Error = result.Error,
                Response = result.Response,
                Node = node,
            });

            var row = db.WebhookDeliveries.Where(d => d.Id == delivery.Id && d.LeaseToken == delivery.LeaseToken);
            int updated;
            if (result.Succeeded)
            {
                updated = await row.ExecuteUpdateAsync(s => s
                    .SetProperty(d => d.State, DeliveryStates.Succeeded)
                    .SetProperty(d => d.Attempts, d => d.Attempts + 1)
                    .SetProperty(d => d.FirstAttemptAt, d => d.FirstAttemptAt ?? result.At)
                    .SetProperty(d => d.LeaseToken, (string?)null)
                    .SetProperty(d => d.CompletedAt, finishedAt)
                    .SetProperty(d => d.LastAttemptAt, result.At)
                    .SetProperty(d => d.LastStatusCode, result.StatusCode)
                    .SetProperty(d => d.LastError, (string?)null), cancellationToken);
            }
            else
            {
                DateTimeOffset? next = result.Gone ? null
                    : result.RetryAfter is { } wait ? finishedAt + (wait < LongestRetryAfter ? wait : LongestRetryAfter)
                    : schedule.NextAfter(delivery.Id, delivery.FirstAttemptAt ?? result.At, finishedAt);
                if (next > finishedAt && result.RetryAfter is null && BeganBeforeTheEndpointWasBack(delivery.EndpointId, result.At, succeededAt))
                {
                    next = finishedAt;
                }

                var error = result.Gone ? "HTTP 410: the receiver says the endpoint is gone; the endpoint is disabled" : result.Error;
                updated = next is { } due
                    ? await row.ExecuteUpdateAsync(s => s
                        .SetProperty(d => d.Attempts, d => d.Attempts + 1)
                        .SetProperty(d => d.FirstAttemptAt, d => d.FirstAttemptAt ?? result.At)
                        .SetProperty(d => d.LeaseToken, (string?)null)
                        .SetProperty(d => d.NextAttemptAt, due)
                        .SetProperty(d => d.LastAttemptAt, result.At)
                        .SetProperty(d => d.LastStatusCode, result.StatusCode)
                        .SetProperty(d => d.LastError, error), cancellationToken)
                    : await row.ExecuteUpdateAsync(s => s
                        .SetProperty(d => d.State, DeliveryStates.Failed)
                        .SetProperty(d => d.Attempts, d => d.Attempts + 1)
                        .SetProperty(d => d.FirstAttemptAt, d => d.FirstAttemptAt ?? result.At)
                        .SetProperty(d => d.LeaseToken, (string?)null)
                        .SetProperty(d => d.CompletedAt, finishedAt)
                        .SetProperty(d => d.LastAttemptAt, result.At)
                        .SetProperty(d => d.LastStatusCode, result.StatusCode)
                        .SetProperty(d => d.LastError, error), cancellationToken);
            }

            if (updated == 0)
            {
                LogLeaseLost(logger, delivery.Id);
            }
        }

        foreach (var endpoint in results.GroupBy(r => r.Delivery.EndpointId))
        {
            await RecordHealthAsync(db, audit, endpoint.Key, endpoint.OrderBy(r => r.At + r.Duration).ToList(), now, cancellationToken);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// A success makes the endpoint healthy (and, when it was down, sends at once everything that waited for it); failures
    /// after the last success count towards the circuit and the disabling. A 410 disables the endpoint at once.
    /// </summary>
    private async Task RecordHealthAsync(PlatformDbContext db, AuditLog audit, string endpointId, List<AttemptResult> results, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var endpoint = db.WebhookEndpoints.Where(e => e.Id == endpointId);
        var threshold = options.Value.CircuitThreshold;
        var lastSuccess = results.FindLastIndex(r => r.Succeeded);
        if (lastSuccess >= 0)
        {
            var recovered = await endpoint.Where(e => e.ConsecutiveFailures >= threshold).ExecuteUpdateAsync(s => s
                .SetProperty(e => e.ConsecutiveFailures, 0)
                .SetProperty(e => e.FailingSince, (DateTimeOffset?)null)
                .SetProperty(e => e.ProbeAt, (DateTimeOffset?)null), cancellationToken);
            if (recovered == 1)
            {
                _backAt[endpointId] = now;
                // Back after being down: what waited for it (held back, or retrying later) goes now.
                var released = await db.WebhookDeliveries
                    .Where(d => d.EndpointId == endpointId && d.State == DeliveryStates.Pending && d.LeaseToken == null && d.NextAttemptAt > now)
                    .ExecuteUpdateAsync(s => s.SetProperty(d => d.NextAttemptAt, now), cancellationToken);
                LogEndpointRecovered(logger, endpointId, released);
            }
            else
            {
                await endpoint.Where(e => e.ConsecutiveFailures > 0 || e.FailingSince != null).ExecuteUpdateAsync(s => s
                    .SetProperty(e => e.ConsecutiveFailures, 0)
                    .SetProperty(e => e.FailingSince, (DateTimeOffset?)null)
                    .SetProperty(e => e.ProbeAt, (DateTimeOffset?)null), cancellationToken);
            }
        }

        var failures = results.Skip(lastSuccess + 1).Where(r => !r.Succeeded).ToList();
        if (failures.Count > 0)
        {
            var firstFailure = failures[0].At;
            var probeAt = now + options.Value.ProbeInterval;
            await endpoint.ExecuteUpdateAsync(s => s
                .SetProperty(e => e.ConsecutiveFailures, e => e.ConsecutiveFailures + failures.Count)
                .SetProperty(e => e.FailingSince, e => e.FailingSince ?? firstFailure)
                .SetProperty(e => e.ProbeAt, e => e.ProbeAt ?? probeAt), cancellationToken);
            var cutoff = now - options.Value.DisableAfter;
            await DisableAsync(db, audit, endpoint.Where(e => e.FailingSince != null && e.FailingSince <= cutoff), DisabledReasons.Failing,
                $"every delivery failed for {options.Value.DisableAfter.TotalDays:0.##} days", now, cancellationToken);
        }

        if (results.Any(r => r.Gone))
        {
            await DisableAsync(db, audit, endpoint, DisabledReasons.Gone, "the receiver answered 410 Gone", now, cancellationToken);
        }
    }

    private async Task DisableAsync(PlatformDbContext db, AuditLog audit, IQueryable<WebhookEndpoint> endpoint, string reason, string why,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var target = await endpoint.Where(e => e.Enabled).Select(e => new { e.Id, e.AccountId, e.Url }).FirstOrDefaultAsync(cancellationToken);
        if (target is null)
        {
            return;
        }

        var disabled = await db.WebhookEndpoints.Where(e => e.Id == target.Id && e.Enabled).ExecuteUpdateAsync(s => s
            .SetProperty(e => e.Enabled, false)
            .SetProperty(e => e.DisabledReason, reason)
            .SetProperty(e => e.DisabledAt, now)
            .SetProperty(e => e.UpdatedAt, now), cancellationToken);
        if (disabled == 1)
        {
            audit.Record(target.AccountId, AuditActions.WebhookEndpointDisabled, "platform",
                detail: $"{target.Id} {target.Url}: disabled because {why}. Fix the receiver, enable the endpoint again and replay what was missed.");
            LogEndpointDisabled(logger, target.Id, why);
        }
    }

    private bool BeganBeforeTheEndpointWasBack(string endpointId, DateTimeOffset began, Dictionary<string, DateTimeOffset> backInThisBatch) =>
        (_backAt.TryGetValue(endpointId, out var back) && began < back)
        || (backInThisBatch.TryGetValue(endpointId, out var backNow) && began < backNow);

    /// <summary>Closes deliveries whose last retry is past while their endpoint held them back, and deletes old attempts.</summary>
    public async Task HousekeepAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var now = time.GetUtcNow();
        var schedule = Schedule;
        var expiredBefore = now - schedule.Longest;
        var attemptsBefore = now - options.Value.AttemptRetention;
        using var writer = await writeGate.EnterAsync(db, cancellationToken);
        var threshold = options.Value.CircuitThreshold;
        // Only deliveries that cannot be tried (their endpoint is disabled, or down and holding them back): any other is
        // tried when due, and a failure past its last retry ends it then. A backlog never expires anything.
        var expired = await db.WebhookDeliveries
            .Where(d => d.State == DeliveryStates.Pending && d.CreatedAt < expiredBefore && (d.LeaseToken == null || d.NextAttemptAt <= now)
                        && db.WebhookEndpoints.Any(e => e.Id == d.EndpointId && (!e.Enabled || (e.ConsecutiveFailures >= threshold && d.Attempts == 0))))
            .ExecuteUpdateAsync(s => s
                .SetProperty(d => d.State, DeliveryStates.Failed)
                .SetProperty(d => d.LeaseToken, (string?)null)
                .SetProperty(d => d.CompletedAt, now)
                .SetProperty(d => d.LastError, "not delivered before its last retry was due (the endpoint was down or disabled); replay it to send it again"),
                cancellationToken);
        if (expired > 0)
        {
            LogDeliveriesExpired(logger, expired);
        }

        await db.WebhookAttempts.Where(a => a.At < attemptsBefore).ExecuteDeleteAsync(cancellationToken);
    }

    [LoggerMessage(EventId = WebhookLogEvents.EndpointDisabled, Level = LogLevel.Warning, Message = "Webhook endpoint {EndpointId} disabled: {Why}.")]
    private static partial void LogEndpointDisabled(ILogger logger, string endpointId, string why);

    [LoggerMessage(EventId = WebhookLogEvents.EndpointRecovered, Level = LogLevel.Information,
        Message = "Webhook endpoint {EndpointId} answers again; {Released} waiting deliveries go now.")]
    private static partial void LogEndpointRecovered(ILogger logger, string endpointId, int released);

    [LoggerMessage(EventId = WebhookLogEvents.DeliveriesExpired, Level = LogLevel.Information,
        Message = "{Count} webhook deliveries were closed as failed: their last retry was due while their endpoint was down or disabled.")]
    private static partial void LogDeliveriesExpired(ILogger logger, int count);

    [LoggerMessage(EventId = WebhookLogEvents.LeaseLost, Level = LogLevel.Warning,
        Message = "Webhook delivery {DeliveryId} took longer than its lease; another node has it now, so this result is only kept as an attempt.")]
    private static partial void LogLeaseLost(ILogger logger, string deliveryId);
}
