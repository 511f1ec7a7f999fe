using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace CommerceServices.Testing;

/// <summary>
/// A throwaway PostgreSQL for the storage tests: started once per test process in a temp folder on a loopback port
/// (fsync off), stopped and deleted at exit. With <c>COMMERCE_TEST_POSTGRES</c> set to a connection string, that server is
/// used instead. Each caller gets a database of its own. A test that stops and starts the server gets one of its own
/// (<see cref="StartOwnAsync"/>).
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static PostgresServer? _shared;
    private readonly string _adminConnectionString;
    private readonly LocalInstance? _local;

    private PostgresServer(string adminConnectionString, LocalInstance? local = null)
    {
        _adminConnectionString = adminConnectionString;
        _local = local;
    }

    /// <summary>
    /// A server of the caller's own, which it may stop and start (<see cref="StopAsync"/>, <see cref="RestartAsync"/>);
    /// deleted on dispose. Needs the server binaries even when <c>COMMERCE_TEST_POSTGRES</c> is set.
    /// </summary>
    public static Task<PostgresServer> StartOwnAsync() => StartLocalAsync();

    /// <summary>Stops the server the way an operator or a crash would: connections are cut at once.</summary>
    public Task StopAsync() => Task.Run(() => Own.Stop());

    /// <summary>Starts the stopped server again, on the same port and data.</summary>
    public Task RestartAsync() => Task.Run(() => Own.Start());

    public ValueTask DisposeAsync()
    {
        _local?.Delete();
        return ValueTask.CompletedTask;
    }

    private LocalInstance Own => _local ?? throw new InvalidOperationException("Only a server of one's own can be stopped.");

    public static async Task<PostgresServer> SharedAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _shared ??= Environment.GetEnvironmentVariable("COMMERCE_TEST_POSTGRES") is { Length: > 0 } external
                ? new PostgresServer(external)
                : await StartLocalAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "cs_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(_adminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name }.ConnectionString;
    }

    private static async Task<PostgresServer> StartLocalAsync()
    {
        var local = new LocalInstance();
        local.Start();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => local.Delete();

        var server = new PostgresServer($"Host=127.0.0.1;Port={local.Port};Username=postgres;Database=postgres;Pooling=true", local);
        await using var probe = new NpgsqlConnection(server._adminConnectionString);
        await probe.OpenAsync();
        return server;
    }

    /// <summary>A data folder made with initdb, and pg_ctl to start and stop the server on it.</summary>
    private sealed class LocalInstance
    {
        private readonly string _bin = FindBinaries();
        private readonly string _folder = Directory.CreateTempSubdirectory("cs-pg-").FullName;
        private readonly bool _asRoot = Environment.UserName == "root";
        private int _deleted;

        public LocalInstance()
        {
            if (_asRoot)
            {
                Run("chown", ["postgres:postgres", _folder]);
            }

            RunAsPostgres(_asRoot, Path.Combine(_bin, "initdb"), ["-D", Data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
        }

        public int Port { get; } = FreePort();

        private string Data => Path.Combine(_folder, "data");

        public void Start()
        {
            var settings = $"-c port={Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={_folder} " +
                           "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
            RunAsPostgres(_asRoot, Path.Combine(_bin, "pg_ctl"), ["-D", Data, "-o", settings, "-l", Path.Combine(_folder, "log"), "-w", "start"]);
        }

        public void Stop() => RunAsPostgres(_asRoot, Path.Combine(_bin, "pg_ctl"), ["-D", Data, "-m", "immediate", "-w", "stop"]);

        public void Delete()
        {
            if (Interlocked.Exchange(ref _deleted, 1) == 1)
            {
                return;
            }

            try
            {
                Stop();
            }
            catch (InvalidOperationException)
            {
                // already stopped
            }

            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Best effort: the folder is in the temp directory either way.
            }
        }
    }

    private static string FindBinaries()
    {
        var root = "/usr/lib/postgresql";
        var bin = Directory.Exists(root)
            ? Directory.GetDirectories(root).Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException(
            "PostgreSQL server binaries were not found under /usr/lib/postgresql: run ./build/test.sh (it installs them) " +
            "or set COMMERCE_TEST_POSTGRES to a connection string of a server where the user may create databases.");
    }

    private static void RunAsPostgres(bool asRoot, string program, IEnumerable<string> arguments)
    {
        if (asRoot)
        {
            Run("runuser", ["-u", "postgres", "--", program, .. arguments]);
        }
        else
        {
            Run(program, arguments);
        }
    }

    private static void Run(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} exited with {process.ExitCode}: {stderr.Result}{stdout.Result}");
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
