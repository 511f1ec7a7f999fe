using CommerceServices.Platform.Data;

namespace CommerceServices.Platform.Services;

/// <summary>
/// Tells this node that the service list, an account's entitlements or the gateway's signing keys changed, so its
/// in-memory copies are read again at once. A change is announced inside the transaction that makes it: on PostgreSQL
/// with <c>NOTIFY</c> on <see cref="Channel"/>, which PostgreSQL delivers to every node (this one too) only when the
/// transaction commits, so a committed change is never without its notification and a rolled-back one never has one
/// (Scaling/PostgresKeyChanges listens). On SQLite, a single node, the change is applied here after the commit.
/// </summary>
public sealed class ServiceChangeFeed
{
    /// <summary>NOTIFY channels are per database, so nodes of different databases on one server never mix.</summary>
    public const string Channel = "commerce_service_changes";

    public const string ServicesChange = "services";
    public const string SigningKeysChange = "signing-keys";
    public const string EntitlementsChangePrefix = "entitlements:";

    /// <summary>The service list changed: read it again.</summary>
    public event Action? ServicesChanged;

    /// <summary>An account's entitlements changed: forget the cached ones.</summary>
    public event Action<string>? EntitlementsChanged;

    /// <summary>The signing keys changed (a roll): read them again.</summary>
    public event Action? SigningKeysChanged;

    /// <summary>Changes may have been missed (the node lost its notification connection): read everything again.</summary>
    public event Action? EverythingChanged;

    /// <summary>
    /// Announces <paramref name="change"/> inside the current transaction of <paramref name="db"/> (PostgreSQL), to be
    /// delivered at commit. On SQLite nothing is sent; call <see cref="Applied"/> after the commit.
    /// </summary>
    public static async Task AnnounceAsync(PlatformDbContext db, string change, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_notify({Channel}, {change})", cancellationToken);
        }
    }

    /// <summary>
    /// After the commit: on SQLite, applies <paramref name="change"/> to this node now. On PostgreSQL the notification does,
    /// on every node alike, a moment later; this node applies it now too, so its own next request sees the change.
    /// </summary>
    public void Applied(string change) => Receive(change);

    /// <summary>A notification from PostgreSQL (this node's or another's).</summary>
    public void Receive(string change)
    {
        if (change == ServicesChange)
        {
            ServicesChanged?.Invoke();
        }
        else if (change == SigningKeysChange)
        {
            SigningKeysChanged?.Invoke();
        }
        else if (change.StartsWith(EntitlementsChangePrefix, StringComparison.Ordinal))
        {
            EntitlementsChanged?.Invoke(change[EntitlementsChangePrefix.Length..]);
        }
    }

    public void ReceiveUnknownChanges() => EverythingChanged?.Invoke();

    public static string EntitlementsOf(string accountId) => EntitlementsChangePrefix + accountId;
}
