using CommerceServices.Platform.Data;
using CommerceServices.Platform.Observability;

namespace CommerceServices.Platform.Accounts;

/// <summary>
/// Tells the caches of this node (the gateway's key directory and validated tokens) that a key was revoked,
/// replaced or rolled, so the change takes effect here at once. On PostgreSQL the other nodes are told by a
/// <c>NOTIFY</c> sent inside the transaction of the change (<see cref="NotifyOtherNodesAsync"/>), which PostgreSQL delivers
/// with the commit and only with it; their changes come in through <see cref="Receive"/> (Scaling/PostgresKeyChanges).
/// </summary>
public sealed class KeyChangeFeed(PlatformMetrics? metrics = null)
{
    /// <summary>The NOTIFY channel; channels are per database, so nodes of different databases on one server never mix.</summary>
    public const string Channel = "commerce_key_changes";

    /// <summary>A key changed (here or on another node): forget what is cached of it.</summary>
    public event Action<string>? KeyChanged;

    /// <summary>Changes may have been missed (the node lost its notification connection): forget every cached key.</summary>
    public event Action? AllKeysChanged;

    /// <summary>
    /// Call inside the transaction of the change, before its commit. On PostgreSQL the notification is part of the
    /// transaction: a committed change is never without it, whatever happens to this node right after the commit, and a
    /// change rolled back sends none. On SQLite (one node) there is nobody to tell.
    /// </summary>
    public async Task NotifyOtherNodesAsync(PlatformDbContext db, string apiKey, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_notify({Channel}, {apiKey})", cancellationToken);
            metrics?.KeyChangeSent();
        }
    }

    /// <summary>Call after the change is committed: this node's caches forget the key.</summary>
    public void Publish(string apiKey) => KeyChanged?.Invoke(apiKey);

    /// <summary>A change made on another node.</summary>
    public void Receive(string apiKey) => KeyChanged?.Invoke(apiKey);

    /// <summary>Changes may have been missed.</summary>
    public void ReceiveUnknownChanges() => AllKeysChanged?.Invoke();
}
