using CommerceServices.Platform.Data;
using CommerceServices.Platform.Portal.Users;
using CommerceServices.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CommerceServices.Platform.Tests.Portal;

/// <summary>Adding the portal's tables to a database made before them keeps every account, key and data space.</summary>
public sealed class PortalUpgradeTests
{
    private const string BeforePortal = "20261121000002_Registry";

    [Fact]
    public async Task UpgradingADatabaseFromBeforeThePortal_KeepsItsData_AndAcceptsPortalUsers_OnSqlite()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("cs-portal-upgrade-").FullName, "platform.db");
        await UpgradeAsync(new DbContextOptionsBuilder<PlatformDbContext>().UseSqlite($"Data Source={file}"));
    }

    [Fact]
    public async Task UpgradingADatabaseFromBeforeThePortal_KeepsItsData_AndAcceptsPortalUsers_OnPostgreSql()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await UpgradeAsync(new DbContextOptionsBuilder<PlatformDbContext>().UseNpgsql(connectionString));
    }

    private static async Task UpgradeAsync(DbContextOptionsBuilder<PlatformDbContext> builder)
    {
        var options = builder.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)).Options;
        await using (var old = new PlatformDbContext(options))
        {
            await old.GetService<IMigrator>().MigrateAsync(BeforePortal);
            await old.Database.ExecuteSqlRawAsync(
                """
                INSERT INTO "Accounts" ("Id", "Email", "Name", "CreatedAt") VALUES ('acc_old00000000000000001', 'old@example.com', 'Old shop', 1700000000000);
                INSERT INTO "KeyPairs" ("Id", "AccountId", "Environment", "ApiKey", "PublicKeyPem", "Origin", "CreatedAt", "ActiveSlot")
                VALUES ('key_old', 'acc_old00000000000000001', 'sandbox', 'cs_sbx_old', 'PEM', 'platform', 1700000000000, 'acc_old00000000000000001:sandbox');
                INSERT INTO "Projects" ("Id", "AccountId", "Name", "CreatedAt") VALUES ('prj_old', 'acc_old00000000000000001', 'Default project', 1700000000000);
                INSERT INTO "DataSpaces" ("Id", "AccountId", "ProjectId", "Name", "Type", "InstanceId", "CreatedAt")
                VALUES ('ds_old', 'acc_old00000000000000001', 'prj_old', 'storefront', 'production', 'shop-1', 1700000000000);
                """);
        }

        await using var upgraded = new PlatformDbContext(options);
        await upgraded.Database.MigrateAsync();

        Assert.Empty(await upgraded.Database.GetPendingMigrationsAsync());
        Assert.Equal("old@example.com", (await upgraded.Accounts.SingleAsync()).Email);
        Assert.Equal("cs_sbx_old", (await upgraded.KeyPairs.SingleAsync()).ApiKey);
        Assert.Equal("shop-1", (await upgraded.DataSpaces.SingleAsync()).InstanceId);

        upgraded.Set<PortalUser>().Add(new PortalUser
        {
            Id = "usr_old",
            AccountId = "acc_old00000000000000001",
            Email = "old@example.com",
            PasswordHash = "hash",
            SecurityStamp = "stamp",
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(1700000000000),
        });
        await upgraded.SaveChangesAsync();
        Assert.Equal("acc_old00000000000000001", (await upgraded.Set<PortalUser>().AsNoTracking().SingleAsync()).AccountId);
    }
}
