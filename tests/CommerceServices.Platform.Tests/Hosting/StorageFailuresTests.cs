using System.Net.Sockets;
using CommerceServices.Platform.Hosting;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CommerceServices.Platform.Tests.Hosting;

/// <summary>
/// Which database errors mean "cannot be reached" (503 <c>storage_unavailable</c>) and which are answers from a working
/// database (500 <c>internal_error</c>): the classification outage handling builds on.
/// </summary>
public sealed class StorageFailuresTests
{
    [Fact]
    public async Task APostgreSqlServerThatRefusesConnections_IsUnreachable()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now: connection refused

        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={port};Username=x;Password=y;Timeout=2");
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => connection.OpenAsync());

        Assert.True(StorageFailures.IsUnreachable(refused), refused.ToString());
    }

    [Fact]
    public void TimeoutsAndABusyOrUnopenableSqliteFile_AreUnreachable()
    {
        Assert.True(StorageFailures.IsUnreachable(new TimeoutException()));
        Assert.True(StorageFailures.IsUnreachable(new InvalidOperationException("wrapped", new SqliteException("database is locked", 5))));
        Assert.True(StorageFailures.IsUnreachable(new SqliteException("unable to open database file", 14)));
        Assert.True(StorageFailures.IsUnreachable(new PostgresException("the database system is shutting down", "FATAL", "FATAL", "57P03")));
    }

    [Fact]
    public void ConstraintViolationsAndBadQueries_AreDatabaseErrors_NotOutages()
    {
        var unique = new Microsoft.EntityFrameworkCore.DbUpdateException("save failed", new PostgresException("duplicate key", "ERROR", "ERROR", "23505"));
        var constraint = new Microsoft.EntityFrameworkCore.DbUpdateException("save failed", new SqliteException("constraint failed", 19));
        var badQuery = new PostgresException("relation does not exist", "ERROR", "ERROR", "42P01");

        foreach (var error in new Exception[] { unique, constraint, badQuery })
        {
            Assert.False(StorageFailures.IsUnreachable(error), error.ToString());
            Assert.True(StorageFailures.IsDatabaseError(error), error.ToString());
        }

        Assert.False(StorageFailures.IsDatabaseError(new InvalidOperationException("a bug, not the database")));
    }
}
