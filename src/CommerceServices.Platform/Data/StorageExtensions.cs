using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Scaling;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace CommerceServices.Platform.Data;

public static class StorageExtensions
{
    /// <summary>Registers <see cref="PlatformDbContext"/> on the configured provider.</summary>
    public static IHostApplicationBuilder AddPlatformStorage(this IHostApplicationBuilder builder)
    {
        var storage = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var platform = builder.Configuration.GetSection(PlatformOptions.Section).Get<PlatformOptions>() ?? new PlatformOptions();

        builder.Services.AddDbContextPool<PlatformDbContext>(options =>
        {
            switch (storage.Provider)
            {
                case StorageProvider.Sqlite:
                    options.UseSqlite(SqliteConnectionString(storage, platform));
                    break;
                case StorageProvider.PostgreSql:
                    if (string.IsNullOrWhiteSpace(storage.ConnectionString))
                    {
                        throw new InvalidOperationException("Storage:ConnectionString is required when Storage:Provider is PostgreSql.");
                    }

                    options.UseNpgsql(PostgresTimeouts.Apply(storage.ConnectionString));
                    break;
                default:
                    throw new InvalidOperationException($"Storage:Provider '{storage.Provider}' is not supported: use Sqlite or PostgreSql.");
            }

            // Migrations are written by hand, without a model snapshot; StorageSchemaTests checks that they build
            // exactly the schema of the model instead.
            options.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
        });
        return builder;
    }

    private static string SqliteConnectionString(StorageOptions storage, PlatformOptions platform)
    {
        var connection = new SqliteConnectionStringBuilder(storage.ConnectionString ?? "")
        {
            Pooling = true,
            DefaultTimeout = 30,
        };
        if (string.IsNullOrEmpty(connection.DataSource))
        {
            connection.DataSource = Path.Combine(Path.GetFullPath(platform.DataDirectory), "platform.db");
        }

        return connection.ToString();
    }

    /// <summary>Creates or upgrades the database: applies every migration not yet applied.</summary>
    public static async Task MigratePlatformDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        if (db.Database.IsSqlite())
        {
            var file = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            var folder = Path.GetDirectoryName(Path.GetFullPath(file));
            if (folder is not null)
            {
                Directory.CreateDirectory(folder);
            }

            // WAL lets the gateway read while a write is in progress; it is a property of the file, set once.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        await db.Database.MigrateAsync(cancellationToken);
    }

    /// <summary>True when a write failed on a unique index: a concurrent writer got there first.</summary>
    public static bool IsUniqueViolation(this DbUpdateException exception) => exception.InnerException switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };
}
