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

    public async ValueTask<Release> EnterAsync(DbContext db, CancellationToken cancellationToken)
    {
        if (!db.Database.IsSqlite())
        {
            return default;
        }

        await _writer.WaitAsync(cancellationToken);
        return new Release(_writer);
    }

    public readonly struct Release(SemaphoreSlim? writer) : IDisposable
    {
        public void Dispose() => writer?.Release();
    }
}
