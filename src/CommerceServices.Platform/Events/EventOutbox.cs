using System.Text.Json;
using CommerceServices.Platform.Data;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace CommerceServices.Platform.Events;

/// <summary>
/// Records events into the caller's <see cref="PlatformDbContext"/> (the one of the caller's scope), so that they commit
/// in the caller's transaction with the change they report — or not at all. It never saves: the caller's
/// <c>SaveChanges</c> and commit do. Delivery is not here: it reads the rows later.
/// </summary>
public sealed class EventOutbox(PlatformDbContext db, IOptions<JsonOptions> json)
{
    /// <summary>
    /// Adds one event. <paramref name="data"/> is serialized exactly as the API serializes it. <paramref name="sequence"/>
    /// orders the subject's events: pass a number that grows with every change of the subject (a row version) when the
    /// subject has one; otherwise the next number after the subject's last event is taken, which is safe when the caller
    /// holds the subject's row for the transaction (as a change of it does).
    /// </summary>
    public async Task<OutboxEvent> AddAsync(string type, string accountId, string environment, string? dataSpaceId, string subjectId,
        object data, DateTimeOffset createdAt, long? sequence = null, CancellationToken cancellationToken = default) =>
        Add(type, accountId, environment, dataSpaceId, subjectId, data, createdAt,
            sequence ?? (await db.OutboxEvents.Where(e => e.SubjectId == subjectId).MaxAsync(e => (long?)e.Sequence, cancellationToken) ?? 0) + 1);

    /// <summary>Adds one event at the position <paramref name="sequence"/> among its subject's events (see <see cref="AddAsync"/>).</summary>
    public OutboxEvent Add(string type, string accountId, string environment, string? dataSpaceId, string subjectId, object data,
        DateTimeOffset createdAt, long sequence)
    {
        var added = new OutboxEvent
        {
            Id = Ids.NewSequential("evt"),
            Type = type,
            AccountId = accountId,
            Environment = environment,
            DataSpaceId = dataSpaceId,
            SubjectId = subjectId,
            Sequence = sequence,
            Data = JsonSerializer.Serialize(data, data.GetType(), json.Value.SerializerOptions),
            CreatedAt = createdAt,
        };
        db.OutboxEvents.Add(added);
        return added;
    }
}
