using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Scaling;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CommerceServices.Platform.Data;

public static class StorageExtensions
{
    /// <summary>
    /// Registers <see cref="PlatformDbContext"/> on the configured provider. The <c>Storage</c> and <c>Platform</c> sections
    /// are read when the first context is made, not here, so configuration added after this call (the command line, a
    /// test host) counts; a bad value stops the start with a sentence naming its key (<see cref="StorageOptionsValidator"/>).
    /// </summary>
    public static IHostApplicationBuilder AddPlatformStorage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        builder.Services.AddDbContextPool<PlatformDbContext>((services, options) =>
        {
            var storage = services.GetRequiredService<IOptions<StorageOptions>>().Value;
            var platform = services.GetRequiredService<IOptions<PlatformOptions>>().Value;
            switch (storage.Provider)
            {
                case StorageProvider.Sqlite:
                    options.UseSqlite(SqliteConnectionString(storage, platform));
                    break;
                case StorageProvider.PostgreSql:
                    options.UseNpgsql(AutoPrepared(PostgresTimeouts.Apply(storage.ConnectionString!)));
                    break;
            }

            // Migrations are written by hand, without a model snapshot; StorageSchemaTests checks that they build
            // exactly the schema of the model instead.
            options.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
        });
        return builder;
    }

    /// <summary>
    /// Npgsql prepares the statements a connection runs most (Npgsql's "Max Auto Prepare"), so PostgreSQL parses and plans
    /// each of the platform's few statement shapes once per connection instead of on every call. A value the connection
    /// string sets is kept.
    /// </summary>
    private static string AutoPrepared(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.ContainsKey("Max Auto Prepare"))
        {
            builder.MaxAutoPrepare = 64;
        }

        return builder.ConnectionString;
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
            connection.DataSource = Path.Combine(Hosting.FirstRun.DataFolder.Resolve(platform), "platform.db");
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
            var connection = new SqliteConnectionStringBuilder(db.Database.GetConnectionString());
            var file = connection.DataSource;
            if (connection.Mode != SqliteOpenMode.Memory && file is not (":memory:" or ""))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
                services.GetRequiredService<Hosting.FirstRun.DataFolderLock>().Acquire(file);
            }

            // WAL lets the gateway read while a write is in progress; it is a property of the file, set once.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        await db.Database.MigrateAsync(cancellationToken);
    }

    /// <summary>True when a write failed on a unique index: a concurrent writer got there first.</summary>
    public static bool IsUniqueViolation(this DbUpdateException exception) => exception.InnerException.IsUniqueViolation();

    /// <summary>True when <paramref name="exception"/> is the provider's unique-index violation.</summary>
    public static bool IsUniqueViolation(this Exception? exception) => exception switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };
}

/// <summary>Checks the <c>Storage</c> section at start: a PostgreSQL provider needs a connection string that parses.</summary>
internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        if (!Enum.IsDefined(options.Provider))
        {
            return ValidateOptionsResult.Fail($"Storage:Provider '{options.Provider}' is not supported: use Sqlite or PostgreSql.");
        }

        if (options.Provider == StorageProvider.PostgreSql && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail(
                "Storage:ConnectionString is required when Storage:Provider is PostgreSql, for example Host=127.0.0.1;Username=cs;Password=…;Database=commerce.");
        }

        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Success;
        }

        try
        {
            // Parsed only: the string itself may hold a password and is never repeated in the message.
            _ = options.Provider == StorageProvider.PostgreSql
                ? new NpgsqlConnectionStringBuilder(options.ConnectionString).Host
                : new SqliteConnectionStringBuilder(options.ConnectionString).DataSource;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail($"Storage:ConnectionString is not a valid {options.Provider} connection string: {e.Message}");
        }

        return ValidateOptionsResult.Success;
    }
}
