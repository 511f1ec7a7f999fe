using System.Security.Cryptography;
using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Events;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Webhooks;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Webhooks;

/// <summary>
/// An account's webhook endpoints (per environment), their secrets, replays and test events. The management API and the
/// portal both come through here. An endpoint of another account answers exactly as one that does not exist.
/// </summary>
public sealed class WebhookEndpointService(
    PlatformDbContext db, AuditLog audit, WebhookTargets targets, SqliteWriteGate writeGate, DeliverySignal signal,
    IOptions<WebhooksOptions> options, IOptions<JsonOptions> json, TimeProvider time)
{
    public const int MaximumReplay = 50_000;
    public const int MaximumDescriptionLength = 200;

    public async Task<Outcome<IssuedEndpoint>> CreateAsync(string accountId, string? url, string? environment, IReadOnlyList<string>? events,
        string? description, string actor, CancellationToken cancellationToken)
    {
        if (!GatewayEnvironments.TryParse(environment, out var parsedEnvironment))
        {
            return new PlatformError(ProblemCodes.InvalidEnvironment, $"'{environment}' is not an environment; use 'sandbox' or 'production'.");
        }

        var environmentName = parsedEnvironment.ToName();
        if (await CheckAsync(url, environmentName, events, description, cancellationToken) is { } invalid)
        {
            return invalid;
        }

        if (!await db.Accounts.AnyAsync(a => a.Id == accountId, cancellationToken))
        {
            return AccountService.NotFound(accountId);
        }

        if (await db.WebhookEndpoints.CountAsync(w => w.AccountId == accountId, cancellationToken) >= options.Value.MaximumEndpointsPerAccount)
        {
            return new PlatformError(ProblemCodes.WebhookEndpointLimit,
                $"An account may have {options.Value.MaximumEndpointsPerAccount} webhook endpoints; delete one first. One endpoint can take every event type.");
        }

        var now = time.GetUtcNow();
        var secret = NewSecret();
        var endpoint = new WebhookEndpoint
        {
            Id = Ids.New("we"),
            AccountId = accountId,
            Environment = environmentName,
            Url = url!.Trim(),
            Description = Normalize(description),
            Events = string.Join(',', events!.Select(e => e.Trim()).Distinct()),
            CreatedAt = now,
            UpdatedAt = now,
        };
        endpoint.Secrets.Add(new WebhookSecret { Id = Ids.New("whs"), EndpointId = endpoint.Id, Key = secret.Key, CreatedAt = now });
        db.WebhookEndpoints.Add(endpoint);
        audit.Record(accountId, AuditActions.WebhookEndpointCreated, actor, detail: $"{endpoint.Id} ({environmentName}) {endpoint.Url} for {endpoint.Events}");
        using (await writeGate.EnterAsync(db, cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        return new IssuedEndpoint(endpoint, secret.Whsec);
    }

    public async Task<Outcome<IReadOnlyList<WebhookEndpoint>>> ListAsync(string accountId, CancellationToken cancellationToken)
    {
        if (!await db.Accounts.AnyAsync(a => a.Id == accountId, cancellationToken))
        {
            return AccountService.NotFound(accountId);
        }

        var endpoints = await db.WebhookEndpoints.AsNoTracking().Include(w => w.Secrets)
            .Where(w => w.AccountId == accountId).OrderBy(w => w.CreatedAt).ThenBy(w => w.Id).ToListAsync(cancellationToken);
        return endpoints;
    }

    public async Task<Outcome<WebhookEndpoint>> GetAsync(string accountId, string? endpointId, CancellationToken cancellationToken) =>
        await FindAsync(accountId, endpointId, tracked: false, cancellationToken) is { } endpoint ? endpoint : NotFound(endpointId);

    /// <summary>
    /// Changes what is given (null leaves it as it is). Enabling a disabled endpoint clears its failures: what was
    /// waiting for it is sent at once; events that happened while it was disabled can be replayed.
    /// </summary>
    public async Task<Outcome<WebhookEndpoint>> UpdateAsync(string accountId, string? endpointId, string? url, IReadOnlyList<string>? events,
        bool? enabled, string? description, string actor, CancellationToken cancellationToken)
    {
        var endpoint = await FindAsync(accountId, endpointId, tracked: true, cancellationToken);
        if (endpoint is null)
        {
            return NotFound(endpointId);
        }

        if (await CheckAsync(url ?? endpoint.Url, endpoint.Environment, events ?? endpoint.EventPatterns, description, cancellationToken) is { } invalid)
        {
            return invalid;
        }

        var now = time.GetUtcNow();
        var changes = new List<string>();
        if (url is not null && url.Trim() != endpoint.Url)
        {
            endpoint.Url = url.Trim();
            changes.Add($"url {endpoint.Url}");
        }

        if (events is not null)
        {
            endpoint.Events = string.Join(',', events.Select(e => e.Trim()).Distinct());
            changes.Add($"events {endpoint.Events}");
        }

        if (description is not null)
        {
            endpoint.Description = Normalize(description);
        }

        var resume = false;
        if (enabled is { } on && on != endpoint.Enabled)
        {
            endpoint.Enabled = on;
            endpoint.DisabledReason = on ? null : DisabledReasons.Manual;
            endpoint.DisabledAt = on ? null : now;
            endpoint.ConsecutiveFailures = 0;
            endpoint.FailingSince = null;
            endpoint.ProbeAt = null;
            resume = on;
            changes.Add(on ? "enabled" : "disabled");
        }

        endpoint.UpdatedAt = now;
        audit.Record(accountId, AuditActions.WebhookEndpointUpdated, actor, detail: $"{endpoint.Id}: {(changes.Count == 0 ? "no change" : string.Join(", ", changes))}");
        using (await writeGate.EnterAsync(db, cancellationToken))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            if (resume)
            {
                // What waited while the endpoint was off goes now, not at the end of its backoff.
                await db.WebhookDeliveries
                    .Where(d => d.EndpointId == endpoint.Id && d.State == DeliveryStates.Pending && d.LeaseToken == null && d.NextAttemptAt > now)
                    .ExecuteUpdateAsync(s => s.SetProperty(d => d.NextAttemptAt, now), cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        if (resume)
        {
            signal.Wake();
        }

        return endpoint;
    }

    /// <summary>Deletes the endpoint with its secrets, deliveries and attempts: nothing more is sent to it.</summary>
    public async Task<Outcome<WebhookEndpoint>> DeleteAsync(string accountId, string? endpointId, string actor, CancellationToken cancellationToken)
    {
        var endpoint = await FindAsync(accountId, endpointId, tracked: true, cancellationToken);
        if (endpoint is null)
        {
            return NotFound(endpointId);
        }

        db.WebhookEndpoints.Remove(endpoint);
        audit.Record(accountId, AuditActions.WebhookEndpointDeleted, actor, detail: $"{endpoint.Id} {endpoint.Url}");
        using (await writeGate.EnterAsync(db, cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        return endpoint;
    }

    /// <summary>
    /// Makes a new secret. The secrets valid until now stay valid for <paramref name="overlap"/> (zero ends them at once,
    /// seven days at most); meanwhile every delivery is signed with each, so a receiver that has either verifies.
    /// </summary>
    public async Task<Outcome<IssuedEndpoint>> RollSecretAsync(string accountId, string? endpointId, TimeSpan overlap, string actor,
        CancellationToken cancellationToken)
    {
        if (overlap < TimeSpan.Zero || overlap > WebhooksOptions.MaximumOverlap)
        {
            return new PlatformError(ProblemCodes.InvalidOverlap,
                $"The old secret may stay valid for 0 seconds to {WebhooksOptions.MaximumOverlap.TotalDays:0} days ('overlapSeconds' 0 to {(int)WebhooksOptions.MaximumOverlap.TotalSeconds}).");
        }

        var endpoint = await FindAsync(accountId, endpointId, tracked: true, cancellationToken);
        if (endpoint is null)
        {
            return NotFound(endpointId);
        }

        var now = time.GetUtcNow();
        var ends = now + overlap;
        foreach (var old in endpoint.Secrets.Where(s => s.IsValidAt(now)))
        {
            // A secret already ending keeps its earlier end: a roll never lengthens an old secret's life.
            old.ExpiresAt = old.ExpiresAt is { } end && end < ends ? end : ends;
        }

        // Secrets past their end are of no use any more.
        db.WebhookSecrets.RemoveRange(endpoint.Secrets.Where(s => !s.IsValidAt(now) && s.ExpiresAt < now - TimeSpan.FromDays(1)));
        var secret = NewSecret();
        endpoint.Secrets.Add(new WebhookSecret { Id = Ids.New("whs"), EndpointId = endpoint.Id, Key = secret.Key, CreatedAt = now });
        endpoint.UpdatedAt = now;
        audit.Record(accountId, AuditActions.WebhookSecretRolled, actor,
            detail: $"{endpoint.Id}: the previous secret {(overlap == TimeSpan.Zero ? "ended at once" : $"stays valid until {ends:yyyy-MM-dd HH:mm:ss}Z")}");
        using (await writeGate.EnterAsync(db, cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        return new IssuedEndpoint(endpoint, secret.Whsec);
    }

    /// <summary>
    /// Sends again every event of the endpoint's account and environment that it takes and that happened in
    /// [<paramref name="since"/>, <paramref name="until"/>), each with its original <c>webhook-id</c>, in the order they
    /// happened per subject. Returns how many deliveries were made.
    /// </summary>
    public async Task<Outcome<int>> ReplayAsync(string accountId, string? endpointId, DateTimeOffset? since, DateTimeOffset? until,
        CancellationToken cancellationToken)
    {
        if (since is null || until is null || since >= until)
        {
            return new PlatformError(ProblemCodes.InvalidReplayRange, "A replay needs 'since' before 'until' (ISO 8601 times, such as 2026-12-05T10:00:00Z).");
        }

        var endpoint = await FindAsync(accountId, endpointId, tracked: false, cancellationToken);
        if (endpoint is null)
        {
            return NotFound(endpointId);
        }

        if (!endpoint.Enabled)
        {
            return Disabled(endpoint);
        }

        var from = since.Value;
        var to = until.Value;
        var candidates = await db.OutboxEvents.AsNoTracking()
            .Where(e => e.AccountId == accountId && e.Environment == endpoint.Environment && e.CreatedAt >= from && e.CreatedAt < to)
            .OrderBy(e => e.CreatedAt).ThenBy(e => e.Id)
            .Select(e => new OutboxEvent
            {
                Id = e.Id, Type = e.Type, AccountId = e.AccountId, Environment = e.Environment, SubjectId = e.SubjectId,
                Sequence = e.Sequence, Data = "", CreatedAt = e.CreatedAt,
            })
            .Take(MaximumReplay + 1)
            .ToListAsync(cancellationToken);
        var patterns = endpoint.EventPatterns;
        var replayed = candidates.Where(e => WebhookEventTypes.Matches(patterns, e.Type)).ToList();
        if (candidates.Count > MaximumReplay)
        {
            return new PlatformError(ProblemCodes.InvalidReplayRange,
                $"More than {MaximumReplay} events happened in that range: replay it in shorter ranges.");
        }

        var now = time.GetUtcNow();
        db.WebhookDeliveries.AddRange(replayed.Select(e => OutboxFanOut.NewDelivery(endpoint.Id, e, now, replay: true)));
        using (await writeGate.EnterAsync(db, cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        db.ChangeTracker.Clear();
        signal.Wake();
        return replayed.Count;
    }

    /// <summary>Sends one delivery's event again, with its original <c>webhook-id</c>, as a new delivery.</summary>
    public async Task<Outcome<DeliveryDetails>> ReplayDeliveryAsync(string accountId, string? endpointId, string? deliveryId,
        CancellationToken cancellationToken)
    {
        var endpoint = await FindAsync(accountId, endpointId, tracked: false, cancellationToken);
        if (endpoint is null)
        {
            return NotFound(endpointId);
        }

        var original = await db.WebhookDeliveries.AsNoTracking().FirstOrDefaultAsync(d => d.Id == deliveryId && d.EndpointId == endpoint.Id, cancellationToken);
        if (original is null)
        {
            return new PlatformError(ProblemCodes.WebhookDeliveryNotFound, $"Endpoint '{endpoint.Id}' has no delivery '{deliveryId}'.");
        }

        if (!endpoint.Enabled)
        {
            return Disabled(endpoint);
        }

        var now = time.GetUtcNow();
        var replay = new WebhookDelivery
        {
            Id = Ids.NewSequential("whd"), EndpointId = endpoint.Id, EventId = original.EventId, SubjectId = original.SubjectId,
            Sequence = original.Sequence, State = DeliveryStates.Pending, NextAttemptAt = now, CreatedAt = now, Replay = true,
        };
        db.WebhookDeliveries.Add(replay);
        using (await writeGate.EnterAsync(db, cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        signal.Wake();
        var replayed = await db.OutboxEvents.AsNoTracking().Where(e => e.Id == replay.EventId).Select(e => new { e.Type, e.CreatedAt })
            .FirstAsync(cancellationToken);
        return new DeliveryDetails(replay, replayed.Type, replayed.CreatedAt);
    }

    /// <summary>
    /// Sends a <c>webhook.test</c> event to this endpoint only: a real event (in the outbox) and a real delivery, signed,
    /// retried and listed like any other.
    /// </summary>
    public async Task<Outcome<DeliveryDetails>> SendTestAsync(string accountId, string? endpointId, CancellationToken cancellationToken)
    {
        var endpoint = await FindAsync(accountId, endpointId, tracked: false, cancellationToken);
        if (endpoint is null)
        {
            return NotFound(endpointId);
        }

        if (!endpoint.Enabled)
        {
            return Disabled(endpoint);
        }

        var now = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
        var test = new OutboxEvent
        {
            Id = Ids.NewSequential("evt"),
            Type = WebhookEventTypes.Test,
            AccountId = accountId,
            Environment = endpoint.Environment,
            SubjectId = Ids.New("test"), // its own subject: a test never waits for, nor holds up, another event
            Sequence = 1,
            Data = System.Text.Json.JsonSerializer.Serialize(
                new WebhookTest(endpoint.Id, "A test event sent from the platform on request. It changes nothing."), json.Value.SerializerOptions),
            CreatedAt = now,
        };
        db.OutboxEvents.Add(test);
        var delivery = OutboxFanOut.NewDelivery(endpoint.Id, test, now, replay: false);
        db.WebhookDeliveries.Add(delivery);
        using (await writeGate.EnterAsync(db, cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        signal.Wake();
        return new DeliveryDetails(delivery, test.Type, test.CreatedAt);
    }

    /// <summary>The endpoint's most recent deliveries, newest first, with their event types.</summary>
    public async Task<Outcome<IReadOnlyList<DeliveryDetails>>> DeliveriesAsync(string accountId, string? endpointId, int limit,
        CancellationToken cancellationToken)
    {
        var endpoint = await FindAsync(accountId, endpointId, tracked: false, cancellationToken);
        if (endpoint is null)
        {
            return NotFound(endpointId);
        }

        var deliveries = await db.WebhookDeliveries.AsNoTracking().Where(d => d.EndpointId == endpoint.Id)
            .OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).Take(Math.Clamp(limit, 1, 500))
            .Join(db.OutboxEvents, d => d.EventId, e => e.Id, (d, e) => new DeliveryDetails(d, e.Type, e.CreatedAt))
            .ToListAsync(cancellationToken);
        return deliveries;
    }

    /// <summary>The endpoint's most recent attempts, newest first, with their delivery's event and state (the portal's list).</summary>
    public async Task<Outcome<IReadOnlyList<AttemptDetails>>> AttemptsAsync(string accountId, string? endpointId, int limit,
        CancellationToken cancellationToken)
    {
        var endpoint = await FindAsync(accountId, endpointId, tracked: false, cancellationToken);
        if (endpoint is null)
        {
            return NotFound(endpointId);
        }

        var attempts = await db.WebhookAttempts.AsNoTracking().Where(a => a.EndpointId == endpoint.Id)
            .OrderByDescending(a => a.At).ThenByDescending(a => a.Id).Take(Math.Clamp(limit, 1, 500))
            .Join(db.WebhookDeliveries, a => a.DeliveryId, d => d.Id, (a, d) => new { a, d })
            .Join(db.OutboxEvents, x => x.d.EventId, e => e.Id, (x, e) => new AttemptDetails(x.a, x.d, e.Type))
            .ToListAsync(cancellationToken);
        return attempts;
    }

    /// <summary>The account's endpoints the platform turned off (410, or days of failures): the portal's banner.</summary>
    public async Task<IReadOnlyList<WebhookEndpoint>> DisabledByPlatformAsync(string accountId, CancellationToken cancellationToken) =>
        await db.WebhookEndpoints.AsNoTracking()
            .Where(w => w.AccountId == accountId && !w.Enabled && w.DisabledReason != DisabledReasons.Manual)
            .OrderBy(w => w.CreatedAt).ToListAsync(cancellationToken);

    public static PlatformError NotFound(string? endpointId) =>
        new(ProblemCodes.WebhookEndpointNotFound, $"There is no webhook endpoint '{endpointId}' in this account.");

    private static PlatformError Disabled(WebhookEndpoint endpoint) =>
        new(ProblemCodes.WebhookEndpointDisabled, $"Webhook endpoint '{endpoint.Id}' is disabled: enable it first (PUT with \"enabled\": true).");

    private Task<WebhookEndpoint?> FindAsync(string accountId, string? endpointId, bool tracked, CancellationToken cancellationToken)
    {
        var query = (tracked ? db.WebhookEndpoints : db.WebhookEndpoints.AsNoTracking()).Include(w => w.Secrets);
        return query.FirstOrDefaultAsync(w => w.Id == endpointId && w.AccountId == accountId, cancellationToken);
    }

    private async Task<PlatformError?> CheckAsync(string? url, string environment, IReadOnlyList<string>? events, string? description,
        CancellationToken cancellationToken)
    {
        if (events is null || events.Count == 0 || events.Count > 50 || events.Any(e => e is null || !WebhookEventTypes.IsValidPattern(e.Trim())))
        {
            var bad = events?.FirstOrDefault(e => e is null || !WebhookEventTypes.IsValidPattern(e.Trim()));
            return new PlatformError(ProblemCodes.InvalidWebhookEvents,
                (bad is null ? "'events' must list at least one event type. " : $"'{bad}' is not an event type. ") +
                $"Use *, {string.Join(", ", WebhookEventTypes.Groups.Select(g => g + ".*"))} or one of: {string.Join(", ", WebhookEventTypes.Subscribable)}.");
        }

        if (description is { Length: > MaximumDescriptionLength })
        {
            return new PlatformError(ProblemCodes.InvalidRequest, $"'description' is longer than {MaximumDescriptionLength} characters.");
        }

        if (targets.CheckUrl(url, environment, out var parsed) is { } invalid)
        {
            return invalid;
        }

        return await targets.CheckAddressesAsync(parsed!, environment, cancellationToken);
    }

    private static string? Normalize(string? description) => string.IsNullOrWhiteSpace(description) ? null : description.Trim();

    private static (string Key, string Whsec) NewSecret()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        return (key, WebhookHeaders.SecretPrefix + key);
    }

    /// <summary>
    /// For the operators: the endpoints of every account that fail now (oldest failing first) and the disabled ones
    /// (newest first), each with its waiting deliveries and the last error, and how many deliveries wait in all.
    /// Each list stops at <paramref name="limit"/>.
    /// </summary>
    public async Task<WebhookOverview> OverviewAsync(int limit, CancellationToken cancellationToken)
    {
        var pending = db.WebhookDeliveries.AsNoTracking().Where(d => d.State == DeliveryStates.Pending);
        var waiting = await pending.CountAsync(cancellationToken);
        var oldest = waiting == 0 ? null : await pending.MinAsync(d => (DateTimeOffset?)d.CreatedAt, cancellationToken);
        var failing = await db.WebhookEndpoints.AsNoTracking().Where(e => e.Enabled && e.FailingSince != null)
            .OrderBy(e => e.FailingSince).Take(limit).ToListAsync(cancellationToken);
        var disabled = await db.WebhookEndpoints.AsNoTracking().Where(e => !e.Enabled)
            .OrderByDescending(e => e.DisabledAt).Take(limit).ToListAsync(cancellationToken);

        var ids = failing.Concat(disabled).Select(e => e.Id).ToList();
        var pendingOf = await pending.Where(d => ids.Contains(d.EndpointId)).GroupBy(d => d.EndpointId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        var accountIds = failing.Concat(disabled).Select(e => e.AccountId).Distinct().ToList();
        var names = await db.Accounts.AsNoTracking().Where(a => accountIds.Contains(a.Id))
            .ToDictionaryAsync(a => a.Id, a => a.Name, cancellationToken);

        async Task<IReadOnlyList<WebhookEndpointHealth>> RowsAsync(List<WebhookEndpoint> endpoints)
        {
            var rows = new List<WebhookEndpointHealth>(endpoints.Count);
            foreach (var endpoint in endpoints)
            {
                var last = await db.WebhookDeliveries.AsNoTracking().Where(d => d.EndpointId == endpoint.Id && d.LastAttemptAt != null)
                    .OrderByDescending(d => d.LastAttemptAt).Select(d => new { d.LastStatusCode, d.LastError, d.LastAttemptAt })
                    .FirstOrDefaultAsync(cancellationToken);
                var error = last is null ? null : last.LastError ?? (last.LastStatusCode is { } status ? $"HTTP {status}" : null);
                rows.Add(new WebhookEndpointHealth(endpoint, names.GetValueOrDefault(endpoint.AccountId, endpoint.AccountId),
                    pendingOf.GetValueOrDefault(endpoint.Id), error, last?.LastAttemptAt));
            }

            return rows;
        }

        return new WebhookOverview(waiting, oldest, await RowsAsync(failing), await RowsAsync(disabled));
    }

}

/// <summary>An endpoint with the secret just made for it: the only time the secret is shown.</summary>
public sealed record IssuedEndpoint(WebhookEndpoint Endpoint, string Secret);

public sealed record DeliveryDetails(WebhookDelivery Delivery, string EventType, DateTimeOffset EventCreatedAt);

public sealed record AttemptDetails(WebhookAttempt Attempt, WebhookDelivery Delivery, string EventType);

/// <summary>What the operators see of every account's webhooks (<see cref="WebhookEndpointService.OverviewAsync"/>).</summary>
public sealed record WebhookOverview(int PendingDeliveries, DateTimeOffset? OldestPending, IReadOnlyList<WebhookEndpointHealth> Failing,
    IReadOnlyList<WebhookEndpointHealth> Disabled);

/// <summary>An endpoint with its account's name, its waiting deliveries and what its last attempt came to.</summary>
public sealed record WebhookEndpointHealth(WebhookEndpoint Endpoint, string AccountName, int PendingDeliveries, string? LastError,
    DateTimeOffset? LastAttemptAt);
