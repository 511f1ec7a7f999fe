using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace CommerceServices.Testing;

/// <summary>
/// A throwaway PostgreSQL for the storage tests: started once per test process in a temp folder on a loopback port
/// (fsync off), stopped and deleted at exit. With <c>COMMERCE_TEST_POSTGRES</c> set to a connection string, that server is
/// used instead. Each caller gets a database of its own.
/// </summary>
public sealed class PostgresServer
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static PostgresServer? _shared;
    private readonly string _adminConnectionString;

    private PostgresServer(string adminConnectionString) => _adminConnectionString = adminConnectionString;

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
        var bin = FindBinaries();
        var folder = Directory.CreateTempSubdirectory("cs-pg-").FullName;
        var data = Path.Combine(folder, "data");
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            Run("chown", ["postgres:postgres", folder]);
        }

        RunAsPostgres(asRoot, Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
        var port = FreePort();
        var settings = $"-c port={port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={folder} " +
                       "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
        RunAsPostgres(asRoot, Path.Combine(bin, "pg_ctl"), ["-D", data, "-o", settings, "-l", Path.Combine(folder, "log"), "-w", "start"]);

        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                RunAsPostgres(asRoot, Path.Combine(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "stop"]);
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                // Best effort: the folder is in the temp directory either way.
            }
        };

        var server = new PostgresServer($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true");
        await using var probe = new NpgsqlConnection(server._adminConnectionString);
        await probe.OpenAsync();
        return server;
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
