using Microsoft.Extensions.DependencyInjection;
using CommerceServices.Platform.Services;
using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Operators;
using CommerceServices.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CommerceServices.Platform.Tests.Operators;

/// <summary>
/// Upgrading a database with audit rows to the operator console's schema keeps every row, gives the old events their
/// object and the old accounts their searchable name, and the new searches find them.
/// </summary>
public sealed class OperatorConsoleUpgradeTests
{
    private const string BeforeConsole = "20261122000005_Portal";

    [Fact]
    public async Task UpgradingADatabaseWithAuditRows_KeepsThem_AndMakesThemSearchable_OnSqlite()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("cs-console-upgrade-").FullName, "platform.db");
        await UpgradeAsync(new DbContextOptionsBuilder<PlatformDbContext>().UseSqlite($"Data Source={file}"));
    }

    [Fact]
    public async Task UpgradingADatabaseWithAuditRows_KeepsThem_AndMakesThemSearchable_OnPostgreSql()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await UpgradeAsync(new DbContextOptionsBuilder<PlatformDbContext>().UseNpgsql(connectionString));
    }

    private static async Task UpgradeAsync(DbContextOptionsBuilder<PlatformDbContext> builder)
    {
        var options = builder.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)).Options;
        await using (var old = new PlatformDbContext(options))
        {
            await old.GetService<IMigrator>().MigrateAsync(BeforeConsole);
            await old.Database.ExecuteSqlRawAsync(
                """
                INSERT INTO "Accounts" ("Id", "Email", "Name", "CreatedAt") VALUES ('acc_old00000000000000001', 'old@example.com', 'Old Shop', 1700000000000);
                INSERT INTO "KeyPairs" ("Id", "AccountId", "Environment", "ApiKey", "PublicKeyPem", "Origin", "CreatedAt", "ActiveSlot", "LastUsedAt")
                VALUES ('key_old', 'acc_old00000000000000001', 'sandbox', 'cs_sbx_old', 'PEM', 'platform', 1700000000000, 'acc_old00000000000000001:sandbox', 1700000001000);
                INSERT INTO "AuditEvents" ("Id", "AccountId", "Action", "Actor", "At", "ApiKey", "Detail") VALUES
                ('evt_1', 'acc_old00000000000000001', 'account.created', 'operator', 1700000000000, NULL, 'old@example.com'),
                ('evt_2', 'acc_old00000000000000001', 'entitlement.granted', 'operator', 1700000000001, NULL, 'payments'),
                ('evt_3', 'acc_old00000000000000001', 'key.created', 'operator', 1700000000002, 'cs_sbx_old', 'sandbox'),
                ('evt_4', 'acc_old00000000000000001', 'data_space.created', 'old@example.com', 1700000000003, NULL, 'ds_old (production) ''storefront'''),
                ('evt_5', 'acc_old00000000000000001', 'data_space.renamed', 'old@example.com', 1700000000004, NULL, 'ds_old: ''storefront'' → ''shop'''),
                ('evt_6', 'acc_old00000000000000001', 'user.locked_out', 'old@example.com', 1700000000005, NULL, 'until 2023-11-14T22:28:20Z');
                """);
        }

        await using var upgraded = new PlatformDbContext(options);
        await upgraded.Database.MigrateAsync();

        Assert.Empty(await upgraded.Database.GetPendingMigrationsAsync());
        var events = await upgraded.AuditEvents.OrderBy(e => e.Id).ToListAsync();
        Assert.Equal(["old@example.com", "payments", "cs_sbx_old", "ds_old", "ds_old", null], events.Select(e => e.Subject));
        Assert.Equal("old shop", (await upgraded.Accounts.SingleAsync()).NormalizedName);
        var key = await upgraded.KeyPairs.SingleAsync();
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1700000001000), key.LastUsedAt);
        Assert.Null(key.LastUsedFrom);

        var audit = new AuditLog(upgraded, TimeProvider.System);
        var page = await audit.SearchAsync(new AuditQuery(Subject: "ds_old"), null, 10, CancellationToken.None);
        Assert.Equal(["evt_5", "evt_4"], page.Events.Select(e => e.Id));
        var changes = new ServiceChangeFeed();
        using var registry = new ServiceRegistry(new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(), changes,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<ServiceRegistry>.Instance);
        var accounts = new AccountService(upgraded, audit, registry, changes, TimeProvider.System);
        Assert.Equal("acc_old00000000000000001", Assert.Single(await accounts.SearchAsync("old sh", 10, CancellationToken.None)).Account.Id);

        upgraded.Set<OperatorUser>().Add(new OperatorUser
        {
            Id = "opr_1", Email = "ops@example.com", Role = OperatorRole.Support, PasswordHash = "hash", SecurityStamp = "stamp",
            CreatedAt = DateTimeOffset.UtcNow,
        });
        await upgraded.SaveChangesAsync();
        Assert.Equal(OperatorRole.Support, (await upgraded.Set<OperatorUser>().AsNoTracking().SingleAsync()).Role);
    }
}
