using CommerceServices.Platform.Data;
using CommerceServices.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace CommerceServices.Platform.Tests.Data;

/// <summary>
/// The migrations are written by hand. These tests hold them to the model: a database built by the migrations has
/// exactly the tables, columns, nullability and indexes that EF Core would create from the model itself.
/// </summary>
public sealed class StorageSchemaTests
{
    [Fact]
    public async Task Migrations_BuildTheSchemaOfTheModel_OnSqlite()
    {
        var folder = Directory.CreateTempSubdirectory("cs-schema-").FullName;
        var migrated = $"Data Source={Path.Combine(folder, "migrated.db")}";
        var created = $"Data Source={Path.Combine(folder, "created.db")}";

        await using (var db = Sqlite(migrated))
        {
            await db.Database.MigrateAsync();
        }

        await using (var db = Sqlite(created))
        {
            await db.Database.EnsureCreatedAsync();
        }

        var expected = await SqliteSchemaAsync(created);
        Assert.Contains("KeyPairs index IX_KeyPairs_ActiveSlot unique=1 on ActiveSlot", expected);
        Assert.Equal(expected, await SqliteSchemaAsync(migrated));
    }

    [Fact]
    public async Task Migrations_BuildTheSchemaOfTheModel_OnPostgreSql()
    {
        var server = await PostgresServer.SharedAsync();
        var migrated = await server.CreateDatabaseAsync();
        var created = await server.CreateDatabaseAsync();

        await using (var db = Postgres(migrated))
        {
            await db.Database.MigrateAsync();
        }

        await using (var db = Postgres(created))
        {
            // EnsureCreated refuses a database that exists; it creates the tables when the database is empty.
            await db.Database.EnsureCreatedAsync();
        }

        var expected = await PostgresSchemaAsync(created);
        Assert.Contains(expected, line => line.Contains("UNIQUE INDEX \"IX_KeyPairs_ActiveSlot\""));
        Assert.Equal(expected, await PostgresSchemaAsync(migrated));
    }

    private static PlatformDbContext Sqlite(string connectionString) => new(new DbContextOptionsBuilder<PlatformDbContext>()
        .UseSqlite(connectionString).ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)).Options);

    private static PlatformDbContext Postgres(string connectionString) => new(new DbContextOptionsBuilder<PlatformDbContext>()
        .UseNpgsql(connectionString).ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)).Options);

    private static async Task<List<string>> SqliteSchemaAsync(string connectionString)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        var tables = await QueryAsync(connection,
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE '\\_\\_EF%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'");
        var schema = new List<string>();
        foreach (var table in tables)
        {
            schema.AddRange((await QueryAsync(connection,
                $"SELECT '{table}.' || name || ' ' || type || ' notnull=' || \"notnull\" || ' pk=' || pk FROM pragma_table_info('{table}')")).Order());
            schema.AddRange((await QueryAsync(connection,
                $"SELECT '{table} index ' || il.name || ' unique=' || il.\"unique\" || ' on ' || group_concat(ii.name) " +
                $"FROM pragma_index_list('{table}') il, pragma_index_info(il.name) ii WHERE il.origin = 'c' GROUP BY il.name")).Order());
            schema.AddRange((await QueryAsync(connection,
                $"SELECT '{table} fk ' || \"from\" || ' -> ' || \"table\" || '.' || \"to\" || ' ' || on_delete FROM pragma_foreign_key_list('{table}')")).Order());
        }

        return schema.Order().ToList();
    }

    private static async Task<List<string>> PostgresSchemaAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var columns = await QueryAsync(connection,
            "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable FROM information_schema.columns " +
            "WHERE table_schema = 'public' AND table_name NOT LIKE '\\_\\_EF%'");
        var indexes = await QueryAsync(connection,
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename NOT LIKE '\\_\\_EF%'");
        var constraints = await QueryAsync(connection,
            "SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint " +
            "WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text NOT LIKE '\"\\_\\_EF%'");
        return columns.Concat(indexes).Concat(constraints).Order().ToList();
    }

    private static async Task<List<string>> QueryAsync(System.Data.Common.DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
