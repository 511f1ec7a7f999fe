using System.Runtime.CompilerServices;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Events;
using CommerceServices.Protocol.Webhooks;
using Microsoft.EntityFrameworkCore.Diagnostics;
using System.Data.Common;

namespace CommerceServices.Platform.Webhooks;

/// <summary>
/// The outbox reader: when a <c>SaveChanges</c> writes outbox events (<see cref="EventOutbox"/>), it also writes one
/// <see cref="WebhookDelivery"/> per enabled endpoint of the event's account and environment that takes the event's
/// type — in the same <c>SaveChanges</c>, so in the same transaction: no event commits without its deliveries, and a
/// crash loses neither. The capabilities that record events need not know webhooks exist. After the commit, this node's
/// delivery worker is woken (others find the rows when they next look).
/// </summary>
internal sealed class OutboxFanOut(DeliverySignal signal) : SaveChangesInterceptor, IDbTransactionInterceptor
{
    // Contexts that wrote deliveries inside a transaction still open: the worker is woken when it commits.
    private readonly ConditionalWeakTable<DbContext, object> _awaitingCommit = [];

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        if (eventData.Context is PlatformDbContext db)
        {
            await AddDeliveriesAsync(db, cancellationToken);
        }

        return result;
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (eventData.Context is PlatformDbContext db)
        {
            AddDeliveriesAsync(db, CancellationToken.None).GetAwaiter().GetResult();
        }

        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Saved(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Saved(eventData.Context);
        return result;
    }

    private async Task AddDeliveriesAsync(PlatformDbContext db, CancellationToken cancellationToken)
    {
        var events = db.ChangeTracker.Entries<OutboxEvent>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).ToList();
        if (events.Count == 0)
        {
            return;
        }

        // A SaveChanges that failed and is called again must not add a second delivery for the same event.
        var fannedOut = db.ChangeTracker.Entries<WebhookDelivery>().Where(d => d.State == EntityState.Added).Select(d => d.Entity.EventId).ToHashSet();
        var added = false;
        foreach (var group in events.Where(e => !fannedOut.Contains(e.Id) && e.Type != WebhookEventTypes.Test).GroupBy(e => (e.AccountId, e.Environment)))
        {
            var (accountId, environment) = group.Key;
            var endpoints = await db.WebhookEndpoints.AsNoTracking()
                .Where(w => w.AccountId == accountId && w.Environment == environment && w.Enabled)
                .Select(w => new { w.Id, w.Events })
                .ToListAsync(cancellationToken);
            foreach (var endpoint in endpoints)
            {
                var patterns = endpoint.Events.Split(',', StringSplitOptions.RemoveEmptyEntries);
                foreach (var outboxEvent in group.Where(e => WebhookEventTypes.Matches(patterns, e.Type)))
                {
                    db.WebhookDeliveries.Add(NewDelivery(endpoint.Id, outboxEvent, outboxEvent.CreatedAt, replay: false));
                    added = true;
                }
            }
        }

        if (added)
        {
            _awaitingCommit.AddOrUpdate(db, this);
        }
    }

    /// <summary>A delivery of <paramref name="outboxEvent"/> to an endpoint, due at once.</summary>
    public static WebhookDelivery NewDelivery(string endpointId, OutboxEvent outboxEvent, DateTimeOffset now, bool replay) => new()
    {
        Id = Ids.NewSequential("whd"),
        EndpointId = endpointId,
        EventId = outboxEvent.Id,
        SubjectId = outboxEvent.SubjectId,
        Sequence = outboxEvent.Sequence,
        State = DeliveryStates.Pending,
        NextAttemptAt = now,
        CreatedAt = now,
        Replay = replay,
    };

    private void Saved(DbContext? context)
    {
        if (context is not null && context.Database.CurrentTransaction is null && _awaitingCommit.Remove(context))
        {
            signal.Wake();
        }
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (eventData.Context is { } context && _awaitingCommit.Remove(context))
        {
            signal.Wake();
        }
    }

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionCommitted(transaction, eventData);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (eventData.Context is { } context)
        {
            _awaitingCommit.Remove(context);
        }
    }

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionRolledBack(transaction, eventData);
        return Task.CompletedTask;
    }
}

/// <summary>Wakes this node's delivery worker early: new deliveries were committed, or a result unblocked the next of a subject.</summary>
public sealed class DeliverySignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Wake()
    {
        try
        {
            if (_signal.CurrentCount == 0)
            {
                _signal.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already awake.
        }
    }

    /// <summary>Waits for a wake-up or <paramref name="timeout"/>, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}
