using CommerceServices.Platform.Data;
using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Registry;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Registry;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Services.Lifecycle;

/// <summary>
/// Copies and deletes of a data space across services, as recorded jobs: started by the registry, run once at once
/// (so a call whose services all answer is done when it returns), then by <see cref="LifecycleJobWorker"/> until every
/// service has confirmed, each failing service tried again after a wait that doubles up to
/// <c>ServiceGateway:LifecycleRetryMaxDelay</c>. A job is held by one node at a time.
/// </summary>
public sealed partial class LifecycleJobs(
    PlatformDbContext db, DataSpaceLifecycles lifecycles, IServiceProvider services, IOptions<ServiceGatewayOptions> options, TimeProvider time,
    ILogger<LifecycleJobs> logger)
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Records a job with one step per service that keeps data per data space, held by its starter, who runs it at once
    /// with <see cref="RunStartedAsync"/>. Held, so that <see cref="LifecycleJobWorker"/> cannot take it in between and leave
    /// the starter's call answering "pending" for a job whose services all answered; a starter that dies lets go when the
    /// lease ends.
    /// </summary>
    public async Task<LifecycleJob> StartAsync(string kind, string accountId, string dataSpaceId, string? fromDataSpaceId, string actor,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var job = new LifecycleJob
        {
            Id = Ids.New("job"),
            AccountId = accountId,
            Kind = kind,
            DataSpaceId = dataSpaceId,
            FromDataSpaceId = fromDataSpaceId,
            Status = LifecycleJobStatuses.Pending,
            Actor = actor,
            CreatedAt = now,
            NextAttemptAt = now,
            LeasedUntil = now + Lease,
        };
        job.Steps.AddRange(lifecycles.Participants().Select(p => new LifecycleJobStep
        {
            JobId = job.Id, Service = p.Service.Id, Status = LifecycleJobStatuses.Pending, NextAttemptAt = now,
        }));
        db.Set<LifecycleJob>().Add(job);
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return job;
    }

    public async Task<Outcome<LifecycleJobView>> GetAsync(string accountId, string jobId, CancellationToken cancellationToken)
    {
        var job = await db.Set<LifecycleJob>().AsNoTracking().Include(j => j.Steps)
            .FirstOrDefaultAsync(j => j.Id == jobId && j.AccountId == accountId, cancellationToken);
        return job is null ? new PlatformError(ProblemCodes.JobNotFound, $"This account has no copy or delete job '{jobId}'.") : ViewOf(job);
    }

    public async Task<IReadOnlyList<LifecycleJobView>> ListAsync(string accountId, CancellationToken cancellationToken) =>
        (await db.Set<LifecycleJob>().AsNoTracking().Include(j => j.Steps).Where(j => j.AccountId == accountId)
            .OrderByDescending(j => j.CreatedAt).Take(100).ToListAsync(cancellationToken)).Select(ViewOf).ToList();

    /// <summary>
    /// Tries every pending step that is due (all of them when <paramref name="force"/>), records what each service answered,
    /// and completes the job when none is left. A job another node holds is left to it; its current state is returned.
    /// </summary>
    public Task<LifecycleJobView> RunAsync(string jobId, bool force, CancellationToken cancellationToken) =>
        RunAsync(jobId, force, heldByCaller: false, cancellationToken);

    /// <summary>Runs every step of a job the caller has just started with <see cref="StartAsync"/>, and so holds.</summary>
    public Task<LifecycleJobView> RunStartedAsync(string jobId, CancellationToken cancellationToken) =>
        RunAsync(jobId, force: true, heldByCaller: true, cancellationToken);

    private async Task<LifecycleJobView> RunAsync(string jobId, bool force, bool heldByCaller, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var leased = heldByCaller ? 1 : await db.Set<LifecycleJob>()
            .Where(j => j.Id == jobId && j.Status == LifecycleJobStatuses.Pending && (j.LeasedUntil == null || j.LeasedUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.LeasedUntil, now + Lease), cancellationToken);
        var job = await db.Set<LifecycleJob>().Include(j => j.Steps).FirstAsync(j => j.Id == jobId, cancellationToken);
        if (leased == 0 || job.Status != LifecycleJobStatuses.Pending)
        {
            return ViewOf(job);
        }

        try
        {
            var due = job.Steps.Where(s => s.Status == LifecycleJobStatuses.Pending && (force || s.NextAttemptAt is null || s.NextAttemptAt <= now)).ToList();
            if (job.Kind == LifecycleJob.Delete)
            {
                // A service still copying out of this data space (a copy asked for before the delete) copies first:
                // deleting its data now would lose what the copy was to carry over. No copy out of it can be asked once its
                // delete is (RegistryService.CopyAsync refuses it under the data space's lock), so none is missed here.
                var copying = await db.Set<LifecycleJobStep>().AsNoTracking()
                    .Where(s => s.Status == LifecycleJobStatuses.Pending && db.Set<LifecycleJob>().Any(j =>
                        j.Id == s.JobId && j.Kind == LifecycleJob.Copy && j.Status == LifecycleJobStatuses.Pending && j.FromDataSpaceId == job.DataSpaceId))
                    .Select(s => s.Service).ToListAsync(cancellationToken);
                foreach (var step in due.Where(s => copying.Contains(s.Service)))
                {
                    step.LastError = "waits for the copy out of this data space to finish";
                    step.NextAttemptAt = now + TimeSpan.FromSeconds(1);
                }

                due.RemoveAll(s => copying.Contains(s.Service));
            }

            var participants = lifecycles.Participants().ToDictionary(p => p.Service.Id, StringComparer.Ordinal);
            await Task.WhenAll(due.Select(step => RunStepAsync(job, step, participants.GetValueOrDefault(step.Service), cancellationToken)));

            // What each service answered is kept even if completing fails below: a done step is never asked again.
            await db.SaveChangesAsync(cancellationToken);
            if (job.Steps.All(s => s.Status != LifecycleJobStatuses.Pending))
            {
                // The registry's part (the data space removed, or the copy audited) and the job's end commit together.
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                await CompleteAsync(job, cancellationToken);
                job.LeasedUntil = null;
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            else
            {
                job.NextAttemptAt = job.Steps.Where(s => s.Status == LifecycleJobStatuses.Pending).Min(s => s.NextAttemptAt);
                job.LeasedUntil = null;
                await db.SaveChangesAsync(cancellationToken);
            }

            return ViewOf(job);
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>For <see cref="LifecycleJobWorker"/>: every pending job whose next try is due and that no node holds.</summary>
    public async Task<IReadOnlyList<string>> DueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await db.Set<LifecycleJob>().AsNoTracking()
            .Where(j => j.Status == LifecycleJobStatuses.Pending && (j.NextAttemptAt == null || j.NextAttemptAt <= now) && (j.LeasedUntil == null || j.LeasedUntil < now))
            .OrderBy(j => j.NextAttemptAt).Select(j => j.Id).Take(20).ToListAsync(cancellationToken);
    }

    public static LifecycleJobView ViewOf(LifecycleJob job) => new(job.Id, job.Kind, job.DataSpaceId, job.FromDataSpaceId, job.Status, job.CreatedAt,
        job.CompletedAt, job.Steps.OrderBy(s => s.Service, StringComparer.Ordinal)
            .Select(s => new LifecycleJobStepView(s.Service, s.Status, s.Items, s.Attempts, s.LastError, s.Status == LifecycleJobStatuses.Pending ? s.NextAttemptAt : null))
            .ToList());

    /// <summary>What a copy's steps did, per service, as holdings (unknown where a service has not confirmed yet).</summary>
    public static IReadOnlyList<Holding> CopiedOf(LifecycleJobView job, ServiceRegistry registry) => job.Services
        .Where(s => s.Status != LifecycleJobStep.Skipped)
        .Select(s => s.Status == LifecycleJobStatuses.Done
            ? new Holding(s.Service, s.Items, "items", "item", Name: registry.Find(s.Service)?.Name)
            : new Holding(s.Service, null, Name: registry.Find(s.Service)?.Name, Problem: $"not copied yet: {s.LastError}; the platform retries it (job {job.Id})"))
        .ToList();

    private async Task RunStepAsync(LifecycleJob job, LifecycleJobStep step, IServiceLifecycle? participant, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (participant is null)
        {
            // The service was removed, or no longer keeps data per data space: there is nobody left to ask.
            step.Status = LifecycleJobStep.Skipped;
            step.CompletedAt = now;
            return;
        }

        step.Attempts++;
        try
        {
            step.Items = job.Kind == LifecycleJob.Copy
                ? await participant.CopyAsync(job.AccountId, job.FromDataSpaceId!, job.DataSpaceId, cancellationToken)
                : await participant.DeleteAsync(job.AccountId, job.DataSpaceId, cancellationToken);
            step.Status = LifecycleJobStatuses.Done;
            step.CompletedAt = time.GetUtcNow();
            step.LastError = null;
            step.NextAttemptAt = null;
        }
        catch (LifecycleCallException e)
        {
            var wait = TimeSpan.FromSeconds(Math.Min(options.Value.LifecycleRetryMaxDelay.TotalSeconds, Math.Pow(2, Math.Min(step.Attempts - 1, 30))));
            step.LastError = e.Message;
            step.NextAttemptAt = now + wait;
            LogStepFailed(logger, job.Kind, job.Id, step.Service, step.Attempts, e.Message);
        }
    }

    private async Task CompleteAsync(LifecycleJob job, CancellationToken cancellationToken)
    {
        var registry = services.GetRequiredService<ServiceRegistry>();
        var done = job.Steps.Where(s => s.Status == LifecycleJobStatuses.Done)
            .Select(s => new Holding(s.Service, s.Items, Name: registry.Find(s.Service)?.Name)).ToList();
        var detail = string.Join(", ", done.Select(h => $"{h.Service} {h.Items}"));
        if (job.Kind == LifecycleJob.Delete)
        {
            await services.GetRequiredService<RegistryService>().RemoveDeletedAsync(job.AccountId, job.DataSpaceId, job.Actor, detail, cancellationToken);
        }
        else
        {
            await services.GetRequiredService<RegistryService>().RecordCopiedAsync(job.AccountId, job.FromDataSpaceId!, job.DataSpaceId, job.Actor, detail,
                cancellationToken);
        }

        job.Status = LifecycleJobStatuses.Done;
        job.CompletedAt = time.GetUtcNow();
        job.NextAttemptAt = null;
        LogDone(logger, job.Kind, job.Id, detail);
    }

    [LoggerMessage(EventId = 2141, Level = LogLevel.Warning,
        Message = "The {Kind} job {JobId} could not reach service {ServiceId} (attempt {Attempts}): {Reason}. It is tried again.")]
    private static partial void LogStepFailed(ILogger logger, string kind, string jobId, string serviceId, int attempts, string reason);

    [LoggerMessage(EventId = 2142, Level = LogLevel.Information, Message = "The {Kind} job {JobId} is done: {Detail}.")]
    private static partial void LogDone(ILogger logger, string kind, string jobId, string detail);
}

/// <summary>Runs the copy and delete jobs whose next try is due, on every node (a job is leased to one node at a time).</summary>
internal sealed partial class LifecycleJobWorker(IServiceScopeFactory scopes, TimeProvider time, ILogger<LifecycleJobWorker> logger) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(PollInterval, time, stoppingToken);
                await using var scope = scopes.CreateAsyncScope();
                var jobs = scope.ServiceProvider.GetRequiredService<LifecycleJobs>();
                foreach (var id in await jobs.DueAsync(stoppingToken))
                {
                    await jobs.RunAsync(id, force: false, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The database is away (or a job failed oddly): the job stays pending and is tried again next round.
                LogFailed(logger, e.GetType().Name);
            }
        }
    }

    [LoggerMessage(EventId = 2143, Level = LogLevel.Warning, Message = "Running the copy and delete jobs failed ({ExceptionType}); they are tried again.")]
    private static partial void LogFailed(ILogger logger, string exceptionType);
}
