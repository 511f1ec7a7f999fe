using System.Security.Cryptography;
using System.Text.Json;
using CommerceServices.Platform.Data;
using Microsoft.AspNetCore.DataProtection;

namespace CommerceServices.Platform.Portal;

/// <summary>
/// Hands a secret made by a form post (a private key, an account token) to the one page that shows it, on whichever node
/// serves that page. The secret waits in one database row, encrypted with Data Protection for the user it belongs to,
/// under the hash of a random handle, for at most <see cref="Lifetime"/>; taking it deletes the row, so reloading the
/// page or coming back shows it no more. Never in a cookie or a URL (the handle alone opens nothing: it needs the
/// user's session and the nodes' Data Protection keys), never in a log.
/// </summary>
public sealed class OneTimeHandoff(PlatformDbContext db, IDataProtectionProvider protection, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    /// <summary>Stores <paramref name="entry"/> for <paramref name="userId"/>; the handle goes into the page's address.</summary>
    public async Task<string> PutAsync(string userId, HandoffEntry entry, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // Entries nobody came for are deleted by the next one made, so the table holds only the last few minutes'.
        await db.Set<HandoffRecord>().Where(h => h.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
        var handle = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        db.Set<HandoffRecord>().Add(new HandoffRecord
        {
            Id = IdOf(handle),
            UserId = userId,
            Payload = ProtectorFor(userId).Protect(JsonSerializer.Serialize(entry)),
            ExpiresAt = now + Lifetime,
        });
        await db.SaveChangesAsync(cancellationToken);
        return handle;
    }

    /// <summary>The entry, once; null when it was taken, expired, or belongs to another user.</summary>
    public async Task<HandoffEntry?> TakeAsync(string userId, string? handle, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(handle) || handle.Length > 64)
        {
            return null;
        }

        var id = IdOf(handle);
        var now = time.GetUtcNow();
        var record = await db.Set<HandoffRecord>().AsNoTracking()
            .FirstOrDefaultAsync(h => h.Id == id && h.UserId == userId && h.ExpiresAt > now, cancellationToken);
        // Of two requests taking one entry at once, only the one whose delete removed the row shows it.
        if (record is null || await db.Set<HandoffRecord>().Where(h => h.Id == id).ExecuteDeleteAsync(cancellationToken) != 1)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<HandoffEntry>(ProtectorFor(userId).Unprotect(record.Payload));
        }
        catch (CryptographicException)
        {
            return null; // encrypted with a key this node does not have (nodes without a shared key ring)
        }
    }

    private IDataProtector ProtectorFor(string userId) => protection.CreateProtector("CommerceServices.Portal.OneTimeHandoff", userId);

    /// <summary>The row's key: the handle's hash, so the database alone cannot be used to open the page.</summary>
    private static string IdOf(string handle) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(handle)));
}

/// <summary>What a one-time page shows: a label (API key or token name) and the secret.</summary>
public sealed record HandoffEntry(string Label, string Secret, string? Environment = null, string? Replaced = null);

/// <summary>A one-time entry waiting for its page: encrypted, short-lived, deleted when read.</summary>
public sealed class HandoffRecord
{
    public required string Id { get; init; }

    public required string UserId { get; init; }

    /// <summary>The entry as JSON, encrypted with Data Protection for its user.</summary>
    public required string Payload { get; init; }

    public DateTimeOffset ExpiresAt { get; init; }
}
