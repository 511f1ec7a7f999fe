using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Services;
using CommerceServices.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CommerceServices.Platform.Tests.Services;

/// <summary>
/// Upgrading a database made before services behind the gateway: entitlements, which now refer to a registered service,
/// keep every row (Payment Services is registered by the upgrade itself), data spaces keep theirs, and the new tables
/// take services, jobs and keys.
/// </summary>
public sealed class ServicesUpgradeTests
{
    private const string BeforeServices = "20261122000005_Portal";

    [Fact]
    public async Task UpgradingWithExistingEntitlements_KeepsThem_AndTiesThemToTheirService_OnSqlite()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("cs-services-upgrade-").FullName, "platform.db");
        await UpgradeAsync(new DbContextOptionsBuilder<PlatformDbContext>().UseSqlite($"Data Source={file}"));
    }

    [Fact]
    public async Task UpgradingWithExistingEntitlements_KeepsThem_AndTiesThemToTheirService_OnPostgreSql()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await UpgradeAsync(new DbContextOptionsBuilder<PlatformDbContext>().UseNpgsql(connectionString));
    }

    private static async Task UpgradeAsync(DbContextOptionsBuilder<PlatformDbContext> builder)
    {
        var options = builder.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)).Options;
        await using (var old = new PlatformDbContext(options))
        {
            await old.GetService<IMigrator>().MigrateAsync(BeforeServices);
            await old.Database.ExecuteSqlRawAsync(
                """
                INSERT INTO "Accounts" ("Id", "Email", "Name", "CreatedAt") VALUES ('acc_a', 'a@example.com', 'A', 1700000000000);
                INSERT INTO "Accounts" ("Id", "Email", "Name", "CreatedAt") VALUES ('acc_b', 'b@example.com', 'B', 1700000000000);
                INSERT INTO "Entitlements" ("AccountId", "Service", "GrantedAt") VALUES ('acc_a', 'payments', 1700000001000);
                INSERT INTO "Entitlements" ("AccountId", "Service", "GrantedAt") VALUES ('acc_b', 'payments', 1700000002000);
                INSERT INTO "Projects" ("Id", "AccountId", "Name", "CreatedAt") VALUES ('prj_a', 'acc_a', 'Default project', 1700000000000);
                INSERT INTO "DataSpaces" ("Id", "AccountId", "ProjectId", "Name", "Type", "InstanceId", "CreatedAt")
                VALUES ('ds_a', 'acc_a', 'prj_a', 'storefront', 'testing', 'shop-1', 1700000000000);
                """);
        }

        await using var upgraded = new PlatformDbContext(options);
        await upgraded.Database.MigrateAsync();

        Assert.Empty(await upgraded.Database.GetPendingMigrationsAsync());
        var entitlements = await upgraded.Entitlements.AsNoTracking().OrderBy(e => e.AccountId).ToListAsync();
        Assert.Equal([("acc_a", "payments", 1700000001000L), ("acc_b", "payments", 1700000002000L)],
            entitlements.Select(e => (e.AccountId, e.Service, e.GrantedAt.ToUnixTimeMilliseconds())));
        var payments = await upgraded.Set<RegisteredService>().AsNoTracking().SingleAsync();
        Assert.Equal(("payments", "/payments/v1", "built-in"), (payments.Id, payments.PathPrefix, payments.Origin));
        var dataSpace = await upgraded.DataSpaces.AsNoTracking().SingleAsync();
        Assert.Equal("shop-1", dataSpace.InstanceId);
        Assert.Null(dataSpace.DeletionRequestedAt);

        // The entitlement names a service now: one to a service that is not registered is refused by the database…
        upgraded.Entitlements.Add(new Entitlement { AccountId = "acc_a", Service = "none-such", GrantedAt = DateTimeOffset.UtcNow });
        await Assert.ThrowsAsync<DbUpdateException>(() => upgraded.SaveChangesAsync());
        upgraded.ChangeTracker.Clear();

        // …and removing a service removes the entitlements to it, so a new service of the same id starts with none.
        upgraded.Set<RegisteredService>().Add(new RegisteredService
        {
            Id = "reviews", Name = "Reviews", PathPrefix = "/reviews/v1", Upstreams = "http://127.0.0.1:1", DataSpace = "required",
            Environments = "sandbox", Origin = "api", CreatedAt = DateTimeOffset.UtcNow,
        });
        upgraded.Entitlements.Add(new Entitlement { AccountId = "acc_b", Service = "reviews", GrantedAt = DateTimeOffset.UtcNow });
        await upgraded.SaveChangesAsync();
        await upgraded.Set<RegisteredService>().Where(s => s.Id == "reviews").ExecuteDeleteAsync();
        Assert.Equal(2, await upgraded.Entitlements.CountAsync());
        Assert.False(await upgraded.Entitlements.AnyAsync(e => e.Service == "reviews"));
    }
}
