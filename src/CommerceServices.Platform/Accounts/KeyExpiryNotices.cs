using CommerceServices.Platform.Data;
using CommerceServices.Platform.Events;
using CommerceServices.Platform.Webhooks;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Webhooks;

namespace CommerceServices.Platform.Accounts;

/// <summary>
/// Records <c>key.expiring</c> for a rolled key whose grace ends soon: once when less than 24 hours are left and once
/// when less than 1 hour is (a roll with a shorter grace gets the notice that is due at once; when both are due, the
/// nearer one only). Each notice is a row here, inserted in the transaction of its event, so of several nodes exactly
/// one records it.
/// </summary>
internal sealed partial class KeyExpiryNotices(IServiceScopeFactory scopes, SqliteWriteGate writeGate, TimeProvider time,
    ILogger<KeyExpiryNotices> logger) : BackgroundService
{
    public static readonly int[] NoticeHours = [24, 1];

    /// <summary>How often keys are looked at; a notice is at most this late.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RecordDueAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, e);
            }

            try
            {
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Records every notice that is due now; returns how many.</summary>
    public async Task<int> RecordDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var outbox = scope.ServiceProvider.GetRequiredService<EventOutbox>();
        var now = time.GetUtcNow();
        var horizon = now + TimeSpan.FromHours(NoticeHours.Max());
        var keys = await db.KeyPairs.AsNoTracking()
            .Where(k => k.RevokedAt == null && k.ExpiresAt != null && k.ExpiresAt > now && k.ExpiresAt <= horizon)
            .ToListAsync(cancellationToken);
        var recorded = 0;
        foreach (var key in keys)
        {
            var due = NoticeHours.Where(h => key.ExpiresAt!.Value - TimeSpan.FromHours(h) <= now).ToList();
            var sent = await db.KeyExpiryNotices.Where(n => n.KeyPairId == key.Id).Select(n => n.Hours).ToListAsync(cancellationToken);
            var missing = due.Except(sent).ToList();
            if (missing.Count == 0)
            {
                continue;
            }

            // The nearest deadline is the notice to send; a farther one that is also due is only marked as done.
            var nearest = missing.Min();
            try
            {
                using var writer = await writeGate.EnterAsync(db, cancellationToken);
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                db.KeyExpiryNotices.AddRange(missing.Select(h => new KeyExpiryNotice { KeyPairId = key.Id, Hours = h, RecordedAt = now }));
                if (due.Min() == nearest)
                {
                    await outbox.AddAsync(WebhookEventTypes.KeyExpiring, key.AccountId, key.Environment.ToName(), null, key.Id, KeyPairView.Of(key, now), now,
                        cancellationToken: cancellationToken);
                    recorded++;
                }

                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation())
            {
                // Another node recorded it first.
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }

        return recorded;
    }

    [LoggerMessage(EventId = WebhookLogEvents.KeyExpiryNoticeFailed, Level = LogLevel.Warning,
        Message = "Could not record key.expiring notices; trying again shortly.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

/// <summary>A <c>key.expiring</c> notice recorded for a key: <see cref="Hours"/> before its grace ends (24 or 1).</summary>
public sealed class KeyExpiryNotice
{
    public required string KeyPairId { get; init; }

    public int Hours { get; init; }

    public DateTimeOffset RecordedAt { get; init; }
}

internal sealed class KeyExpiryNoticeConfiguration : IEntityTypeConfiguration<KeyExpiryNotice>
{
    public void Configure(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<KeyExpiryNotice> builder)
    {
        builder.ToTable("KeyExpiryNotices");
        builder.HasKey(n => new { n.KeyPairId, n.Hours });
        builder.HasOne<KeyPair>().WithMany().HasForeignKey(n => n.KeyPairId).OnDelete(DeleteBehavior.Cascade);
    }
}
