using CommerceServices.Platform.Data;
using CommerceServices.Protocol.Payments;
using CommerceServices.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CommerceServices.Platform.Tests.Payments;

/// <summary>Payments recorded before Payment Services took cards survive the upgrade, and read as they were.</summary>
public sealed class PaymentsUpgradeTests
{
    private const string BeforePaymentServices = "20261121000002_Registry";

    [Fact]
    public async Task UpgradeToPaymentServices_KeepsExistingPayments_OnSqlite()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("cs-upgrade-").FullName, "platform.db");
        await UpgradeKeepsPaymentsAsync(new DbContextOptionsBuilder<PlatformDbContext>().UseSqlite($"Data Source={file}"));
    }

    [Fact]
    public async Task UpgradeToPaymentServices_KeepsExistingPayments_OnPostgreSql()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await UpgradeKeepsPaymentsAsync(new DbContextOptionsBuilder<PlatformDbContext>().UseNpgsql(connectionString));
    }

    private static async Task UpgradeKeepsPaymentsAsync(DbContextOptionsBuilder<PlatformDbContext> builder)
    {
        var options = builder.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)).Options;
        await using (var old = new PlatformDbContext(options))
        {
            await old.GetService<IMigrator>().MigrateAsync(BeforePaymentServices);
            await old.Database.ExecuteSqlRawAsync(
                """
                INSERT INTO "Accounts" ("Id", "Email", "Name", "CreatedAt") VALUES ('acc_old', 'old@example.com', 'Old shop', 1700000000000);
                INSERT INTO "Projects" ("Id", "AccountId", "Name", "CreatedAt") VALUES ('prj_old', 'acc_old', 'Default project', 1700000000000);
                INSERT INTO "DataSpaces" ("Id", "AccountId", "ProjectId", "Name", "Type", "CreatedAt") VALUES ('ds_old', 'acc_old', 'prj_old', 'live', 'production', 1700000000000);
                INSERT INTO "Payments" ("Id", "DataSpaceId", "Reference", "Amount", "Currency", "Status", "CreatedAt")
                VALUES ('pay_old1', 'ds_old', 'order-1', 1999, 'EUR', 'authorized', 1700000001000),
                       ('pay_old2', 'ds_old', 'order-2', 500, 'JPY', 'authorized', 1700000002000);
                """);
        }

        await using var upgraded = new PlatformDbContext(options);
        await upgraded.Database.MigrateAsync();

        var payments = await upgraded.Payments.AsNoTracking().OrderBy(p => p.Id).ToListAsync();
        Assert.Equal(["pay_old1", "pay_old2"], payments.Select(p => p.Id));
        var first = payments[0];
        Assert.Equal(("order-1", 1999L, "EUR", PaymentStatuses.Authorized), (first.Reference, first.Amount, first.Currency, first.Status));
        Assert.Equal(0, first.CapturedAmount);
        Assert.Equal(0, first.RefundedAmount);
        Assert.Null(first.CardLast4);
        Assert.Null(first.OriginId);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1700000001000), first.UpdatedAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1700000002000), payments[1].UpdatedAt);
        // An upgraded payment goes on through the state machine like a new one: its columns accept the new values.
        first.Status = PaymentStatuses.Captured;
        first.CapturedAmount = 1999;
        upgraded.Update(first);
        await upgraded.SaveChangesAsync();
        Assert.Equal(1999, (await upgraded.Payments.AsNoTracking().SingleAsync(p => p.Id == "pay_old1")).CapturedAmount);
    }
}
