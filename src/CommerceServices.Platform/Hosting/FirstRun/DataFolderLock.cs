namespace CommerceServices.Platform.Hosting.FirstRun;

/// <summary>
/// SQLite is one node: only one platform process may use a SQLite database. Each holds an exclusive lock on a file next
/// to the database for as long as it runs (released by the operating system however the process ends, SIGKILL too), and
/// a second process is refused before it opens the database: two processes on one file would each cache keys the other
/// revokes, with nothing to tell them apart (PostgreSQL's notifications are what several nodes need).
/// </summary>
public sealed class DataFolderLock : IDisposable
{
    public const string FileName = "platform.lock";

    private FileStream? _lock;

    /// <summary>Takes the lock of the folder holding the SQLite database <paramref name="databaseFile"/>.</summary>
    public void Acquire(string databaseFile)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(databaseFile))!;
        try
        {
            // FileShare.None is an exclusive, non-blocking lock of the open file (flock on Unix).
            _lock = new FileStream(Path.Combine(folder, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new PlatformStartException(PlatformExitCodes.DataFolderInUse,
                $"Another platform process is using the data folder {folder} (its SQLite database {Path.GetFileName(databaseFile)}). " +
                "SQLite serves one platform process: stop the other one, or give this one a folder of its own " +
                "(--Platform:DataDirectory=…). To run several nodes on one set of data, use PostgreSQL " +
                "(--Storage:Provider=PostgreSql and --Storage:ConnectionString=…; see docs/scale-out.md).");
        }
    }

    public void Dispose() => _lock?.Dispose();
}
