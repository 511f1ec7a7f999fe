using System.Data.Common;
using Npgsql;

namespace CommerceServices.Platform.Scaling;

/// <summary>
/// Bounds every wait on PostgreSQL, so that a database that went away turns into a 503 within seconds instead of a
/// request hanging (Npgsql's own defaults are 15 s to connect and 30 s per command). Values the connection string
/// sets itself are kept.
/// </summary>
public static class PostgresTimeouts
{
    /// <summary>Seconds to open a connection, which is also the longest wait for a free one in the pool.</summary>
    public const int ConnectSeconds = 3;

    /// <summary>Seconds a command may run; the platform's queries are short.</summary>
    public const int CommandSeconds = 4;

    public static string Apply(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.ContainsKey("Timeout"))
        {
            builder.Timeout = ConnectSeconds;
        }

        if (!given.ContainsKey("Command Timeout") && !given.ContainsKey("CommandTimeout"))
        {
            builder.CommandTimeout = CommandSeconds;
        }

        return builder.ConnectionString;
    }
}
