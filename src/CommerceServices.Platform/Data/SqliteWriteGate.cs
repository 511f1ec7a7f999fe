namespace CommerceServices.Platform.Data;

/// <summary>
/// SQLite has one writer per database file. Writers of this process that meet on its lock are retried by
/// Microsoft.Data.Sqlite after sleeps of 150 ms, so under concurrent writes each commit could wait for hundreds of
/// milliseconds while the file sat idle. Queuing writers here instead hands the lock over at once. On PostgreSQL (row locks,
/// concurrent commits) it does nothing. Hold it only around a short write transaction, never around a call elsewhere.
/// </summary>
public sealed class SqliteWriteGate
{
    private readonly SemaphoreSlim _writer = new(1, 1);

    /// <summary>
    /// Waits for the writer's turn. With <paramref name="syncAtCommit"/> false the transaction that follows commits
    /// without waiting for its own fsync (SQLite's <c>synchronous=NORMAL</c> in WAL mode): it survives the process being
    /// killed like any commit, and becomes durable against a power loss with the next commit that syncs (every other
    /// commit does: the write-ahead log is synced in order) or the next checkpoint. Only for writes whose loss in a power
    /// failure is recovered from what was synced before them.
    /// </summary>
    public async ValueTask<Release> EnterAsync(DbContext db, CancellationToken cancellationToken, bool syncAtCommit = true)
    {
        if (!db.Database.IsSqlite())
        {
            return default;
        }

        await _writer.WaitAsync(cancellationToken);
        if (syncAtCommit)
        {
            return new Release(_writer, null);
        }

        try
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
            await db.Database.ExecuteSqlRawAsync("PRAGMA synchronous = NORMAL;", cancellationToken);
            return new Release(_writer, db);
        }
        catch
        {
            _writer.Release();
            throw;
        }
    }

    public readonly struct Release(SemaphoreSlim? writer, DbContext? deferred) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                if (deferred is not null)
                {
                    // The connection goes back to the pool as every other one is: syncing at each commit.
                    try
                    {
                        deferred.Database.ExecuteSqlRaw("PRAGMA synchronous = FULL;");
                    }
                    finally
                    {
                        deferred.Database.CloseConnection();
                    }
                }
            }
            finally
            {
                writer?.Release();
            }
        }
    }
}
