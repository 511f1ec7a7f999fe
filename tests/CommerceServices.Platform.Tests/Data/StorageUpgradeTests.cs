using CommerceServices.Platform.Data;
using CommerceServices.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CommerceServices.Platform.Tests.Data;

/// <summary>A database made by an earlier version keeps its data when the platform upgrades it at start-up.</summary>
public sealed class StorageUpgradeTests
{
    private const string FirstMigration = "20261121000001_InitialSchema";

    [Fact]
    public async Task UpgradeFromTheFirstSchema_KeepsAccountsAndKeys_AndGivesEachAccountItsDefaultProject_OnSqlite()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("cs-upgrade-").FullName, "platform.db");
        await UpgradeKeepsDataAsync(new DbContextOptionsBuilder<PlatformDbContext>().UseSqlite($"Data Source={file}"));
    }

    [Fact]
    public async Task UpgradeFromTheFirstSchema_KeepsAccountsAndKeys_AndGivesEachAccountItsDefaultProject_OnPostgreSql()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await UpgradeKeepsDataAsync(new DbContextOptionsBuilder<PlatformDbContext>().UseNpgsql(connectionString));
    }

    private static async Task UpgradeKeepsDataAsync(DbContextOptionsBuilder<PlatformDbContext> builder)
    {
        var options = builder.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)).Options;
        await using (var old = new PlatformDbContext(options))
        {
            await old.GetService<IMigrator>().MigrateAsync(FirstMigration);
            await old.Database.ExecuteSqlRawAsync(
                """
                INSERT INTO "Accounts" ("Id", "Email", "Name", "CreatedAt") VALUES ('acc_old00000000000000001', 'old@example.com', 'Old shop', 1700000000000);
                INSERT INTO "KeyPairs" ("Id", "AccountId", "Environment", "ApiKey", "PublicKeyPem", "Origin", "CreatedAt", "ActiveSlot")
                VALUES ('key_old', 'acc_old00000000000000001', 'production', 'cs_prd_old', 'PEM', 'platform', 1700000000000, 'acc_old00000000000000001:production');
                """);
            Assert.Equal([FirstMigration], await old.Database.GetAppliedMigrationsAsync());
        }

        await using var upgraded = new PlatformDbContext(options);
        await upgraded.Database.MigrateAsync();

        Assert.Empty(await upgraded.Database.GetPendingMigrationsAsync());
        var account = await upgraded.Accounts.SingleAsync();
        Assert.Equal("old@example.com", account.Email);
        var key = await upgraded.KeyPairs.SingleAsync();
        Assert.Equal("cs_prd_old", key.ApiKey);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1700000000000), key.CreatedAt);
        var project = await upgraded.Projects.SingleAsync();
        Assert.Equal(account.Id, project.AccountId);
        Assert.Equal("Default project", project.Name);
        Assert.Equal("prj_old00000000000000001", project.Id);
    }
}
