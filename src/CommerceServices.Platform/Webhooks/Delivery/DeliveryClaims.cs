using System.Data.Common;
using CommerceServices.Platform.Data;
using Microsoft.EntityFrameworkCore.Storage;

namespace CommerceServices.Platform.Webhooks.Delivery;

/// <summary>
/// Takes deliveries for one node to send: a single statement that both picks due rows and stamps them with this claim's
/// lease, so two nodes never take the same row. SQLite runs it under its one writer; PostgreSQL locks the picked rows
/// and skips rows another node is taking (<c>FOR UPDATE SKIP LOCKED</c>). A claimed row is not due again until its lease
/// ends, which is how a delivery left by a crashed node comes back.
/// </summary>
internal static class DeliveryClaims
{
    // Pending, endpoint enabled, and no earlier event of the same subject still pending for the endpoint (order per
    // subject: a later event waits until the earlier one succeeded or failed for good).
    private const string Eligible = """
        d."State" = 'pending' AND e."Enabled" = TRUE
        AND NOT EXISTS (SELECT 1 FROM "WebhookDeliveries" AS p
            WHERE p."EndpointId" = d."EndpointId" AND p."SubjectId" = d."SubjectId" AND p."State" = 'pending' AND p."Sequence" < d."Sequence")
        """;

    /// <summary>
    /// Claims up to <paramref name="limit"/> due deliveries and returns their ids. While an endpoint is down (the circuit
    /// threshold of failures in a row reached), its first attempts wait: only retries go, and the probe.
    /// </summary>
    public static Task<List<string>> ClaimDueAsync(PlatformDbContext db, int limit, DateTimeOffset now, DateTimeOffset leaseEnd, string token,
        int circuitThreshold, CancellationToken cancellationToken)
    {
        var sql = $"""
            UPDATE "WebhookDeliveries" SET "LeaseToken" = @token, "NextAttemptAt" = @leaseEnd
            WHERE "Id" IN (
                SELECT d."Id" FROM "WebhookDeliveries" AS d JOIN "WebhookEndpoints" AS e ON e."Id" = d."EndpointId"
                WHERE d."NextAttemptAt" <= @now AND (e."ConsecutiveFailures" < @threshold OR d."Attempts" > 0) AND {Eligible}
                ORDER BY d."NextAttemptAt"
                LIMIT @limit{(db.Database.IsNpgsql() ? " FOR UPDATE OF d SKIP LOCKED" : "")})
            RETURNING "Id"
            """;
        return ExecuteAsync(db, sql, cancellationToken, ("token", token), ("leaseEnd", leaseEnd.ToUnixTimeMilliseconds()),
            ("now", now.ToUnixTimeMilliseconds()), ("threshold", circuitThreshold), ("limit", limit));
    }

    /// <summary>
    /// Claims the endpoint's waiting delivery that is due first, due or not: the probe of an endpoint that is down, whose
    /// success tells that it is back. A probe that fails leaves the delivery's schedule as it was (retries are counted from
    /// its creation), which puts it behind the others: one event the receiver keeps refusing does not take every probe
    /// while the events it would accept wait behind it.
    /// </summary>
    public static Task<List<string>> ClaimProbeAsync(PlatformDbContext db, string endpointId, DateTimeOffset now, DateTimeOffset leaseEnd, string token,
        CancellationToken cancellationToken)
    {
        var sql = $"""
            UPDATE "WebhookDeliveries" SET "LeaseToken" = @token, "NextAttemptAt" = @leaseEnd
            WHERE "Id" IN (
                SELECT d."Id" FROM "WebhookDeliveries" AS d JOIN "WebhookEndpoints" AS e ON e."Id" = d."EndpointId"
                WHERE d."EndpointId" = @endpoint AND (d."LeaseToken" IS NULL OR d."NextAttemptAt" <= @now) AND {Eligible}
                ORDER BY d."NextAttemptAt", d."CreatedAt"
                LIMIT 1{(db.Database.IsNpgsql() ? " FOR UPDATE OF d SKIP LOCKED" : "")})
            RETURNING "Id"
            """;
        return ExecuteAsync(db, sql, cancellationToken, ("token", token), ("leaseEnd", leaseEnd.ToUnixTimeMilliseconds()),
            ("now", now.ToUnixTimeMilliseconds()), ("endpoint", endpointId));
    }

    private static async Task<List<string>> ExecuteAsync(PlatformDbContext db, string sql, CancellationToken cancellationToken,
        params (string Name, object Value)[] parameters)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = sql;
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            foreach (var (name, value) in parameters)
            {
                DbParameter parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = value;
                command.Parameters.Add(parameter);
            }

            var ids = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetString(0));
            }

            return ids;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
