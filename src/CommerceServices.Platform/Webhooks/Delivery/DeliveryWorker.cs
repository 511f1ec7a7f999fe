using System.Threading.Channels;
using CommerceServices.Platform.Data;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Webhooks.Delivery;

/// <summary>
/// The delivery worker of one node. It claims due deliveries (<see cref="DeliveryClaims"/>) up to
/// <c>Webhooks:Concurrency</c> in flight, sends each (<see cref="WebhookSender"/>), and hands the results to the
/// <see cref="DeliveryRecorder"/>, which writes them in batches. Every node runs one; they share the rows. While an
/// endpoint is down it gets one probe every <c>Webhooks:ProbeInterval</c> instead of every waiting delivery, and the
/// first success sends everything that waited. Deliveries never go through a fire-and-forget task alone: a row stays
/// pending until its result is recorded, and a crash only delays it until its lease ends.
/// </summary>
internal sealed partial class DeliveryWorker(
    IServiceScopeFactory scopes, WebhookSender sender, DeliveryRecorder recorder, DeliverySignal signal, SqliteWriteGate writeGate,
    IOptions<WebhooksOptions> options, TimeProvider time, ILogger<DeliveryWorker> logger) : BackgroundService
{
    private static readonly TimeSpan HousekeepingInterval = TimeSpan.FromSeconds(30);

    private readonly Channel<AttemptResult> _results = Channel.CreateUnbounded<AttemptResult>(new UnboundedChannelOptions { SingleReader = true });
    private int _inFlight;
    private DateTimeOffset _nextHousekeeping;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.DeliveryEnabled)
        {
            return;
        }

        await Task.Yield();
        var recording = RecordLoopAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (time.GetUtcNow() >= _nextHousekeeping)
                {
                    await recorder.HousekeepAsync(stoppingToken);
                    _nextHousekeeping = time.GetUtcNow() + HousekeepingInterval;
                }

                var free = options.Value.Concurrency - Volatile.Read(ref _inFlight);
                var wanted = Math.Min(free, options.Value.BatchSize);
                var claimed = wanted > 0 ? await ClaimAsync(wanted, stoppingToken) : [];
                foreach (var delivery in claimed)
                {
                    Interlocked.Increment(ref _inFlight);
                    _ = SendAsync(delivery, stoppingToken);
                }

                if (claimed.Count < wanted || wanted == 0)
                {
                    await signal.WaitAsync(options.Value.PollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // The database is away (or something else failed): nothing is lost, the rows wait. Try again shortly.
                LogWorkerFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), time, CancellationToken.None);
            }
        }

        _results.Writer.TryComplete();
        await recording;
    }

    private async Task SendAsync(ClaimedDelivery delivery, CancellationToken stoppingToken)
    {
        try
        {
            var result = await sender.SendAsync(delivery, stoppingToken);
            _results.Writer.TryWrite(result);
        }
        catch (Exception e)
        {
            // Stopping, or a bug: the row keeps its lease and is sent again when the lease ends.
            Interlocked.Decrement(ref _inFlight);
            if (!stoppingToken.IsCancellationRequested)
            {
                LogWorkerFailed(logger, e);
            }
        }
    }

    /// <summary>Writes results in batches, as they come; a failed write is tried again (the leases leave time for it).</summary>
    private async Task RecordLoopAsync(CancellationToken stoppingToken)
    {
        var batch = new List<AttemptResult>();
        while (await _results.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < 500 && _results.Reader.TryRead(out var result))
            {
                batch.Add(result);
            }

            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await recorder.RecordAsync(batch, CancellationToken.None);
                    break;
                }
                catch (Exception e) when (attempt < 30 && !stoppingToken.IsCancellationRequested)
                {
                    LogWorkerFailed(logger, e);
                    await Task.Delay(TimeSpan.FromSeconds(1), time, CancellationToken.None);
                }
                catch (Exception e)
                {
                    // Given up (or stopping): the leases end and the deliveries are sent again; receivers de-duplicate by webhook-id.
                    LogWorkerFailed(logger, e);
                    break;
                }
            }

            Interlocked.Add(ref _inFlight, -batch.Count);
            batch.Clear();
            signal.Wake(); // a recorded result may let the next event of its subject go
        }
    }

    private async Task<List<ClaimedDelivery>> ClaimAsync(int wanted, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var now = time.GetUtcNow();
        var leaseEnd = now + options.Value.Lease;
        var token = Ids.New("lease");
        var probes = new HashSet<string>();
        var ids = new List<string>();

        // Endpoints that are down get one delivery early, every probe interval; the first node to move ProbeAt sends it.
        var probeDue = await db.WebhookEndpoints.AsNoTracking()
            .Where(e => e.Enabled && e.ConsecutiveFailures >= options.Value.CircuitThreshold && e.ProbeAt <= now)
            .OrderBy(e => e.ProbeAt).Select(e => e.Id).Take(20).ToListAsync(cancellationToken);
        foreach (var endpointId in probeDue)
        {
            using var writer = await writeGate.EnterAsync(db, cancellationToken);
            var next = now + options.Value.ProbeInterval;
            var mine = await db.WebhookEndpoints.Where(e => e.Id == endpointId && e.ProbeAt <= now)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.ProbeAt, next), cancellationToken);
            if (mine == 1)
            {
                foreach (var id in await DeliveryClaims.ClaimProbeAsync(db, endpointId, now, leaseEnd, token, cancellationToken))
                {
                    probes.Add(id);
                    ids.Add(id);
                }
            }
        }

        using (await writeGate.EnterAsync(db, cancellationToken))
        {
            ids.AddRange(await DeliveryClaims.ClaimDueAsync(db, Math.Max(1, wanted - ids.Count), now, leaseEnd, token,
                options.Value.CircuitThreshold, cancellationToken));
        }

        if (ids.Count == 0)
        {
            return [];
        }

        var rows = await db.WebhookDeliveries.AsNoTracking().Where(d => ids.Contains(d.Id))
            .Join(db.OutboxEvents, d => d.EventId, e => e.Id, (d, e) => new { Delivery = d, Event = e })
            .ToListAsync(cancellationToken);
        var endpointIds = rows.Select(r => r.Delivery.EndpointId).Distinct().ToList();
        var endpoints = await db.WebhookEndpoints.AsNoTracking().Include(e => e.Secrets)
            .Where(e => endpointIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, cancellationToken);
        return rows.Select(r =>
        {
            var endpoint = endpoints[r.Delivery.EndpointId];
            var secrets = endpoint.Secrets.Where(s => s.IsValidAt(now)).OrderBy(s => s.CreatedAt).Select(s => s.Key).ToList();
            return new ClaimedDelivery(r.Delivery.Id, token, endpoint.Id, endpoint.Url, endpoint.Environment, r.Delivery.FirstAttemptAt, r.Event,
                secrets, probes.Contains(r.Delivery.Id));
        }).ToList();
    }

    [LoggerMessage(EventId = WebhookLogEvents.WorkerFailed, Level = LogLevel.Warning,
        Message = "The webhook delivery worker could not claim or record deliveries; it tries again shortly, nothing is lost.")]
    private static partial void LogWorkerFailed(ILogger logger, Exception exception);
}
