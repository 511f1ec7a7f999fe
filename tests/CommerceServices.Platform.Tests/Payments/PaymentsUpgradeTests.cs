using System.Net;
using System.Text;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Events;
using CommerceServices.Platform.Payments;
using CommerceServices.Platform.Tests.Gateway;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Payments;
using CommerceServices.Protocol.Webhooks;
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

    private const string BeforePaymentPhases = "20261122000005_Portal";

    [Fact]
    public async Task UpgradeToPaymentPhases_KeepsPaymentsAndKeys_AndTheyGoOnThroughTheApi_OnSqlite()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("cs-upgrade-").FullName, "platform.db");
        await UpgradeKeepsPaymentsAndKeysAsync(StorageProvider.Sqlite, $"Data Source={file}");
    }

    [Fact]
    public async Task UpgradeToPaymentPhases_KeepsPaymentsAndKeys_AndTheyGoOnThroughTheApi_OnPostgreSql()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await UpgradeKeepsPaymentsAndKeysAsync(StorageProvider.PostgreSql, connectionString);
    }

    /// <summary>
    /// Rows of the schema before atomic phases: a captured payment whose capture answer is stored under a key, an
    /// authorized one, a refund, and a key the earlier version left without an answer (its request died ten minutes ago).
    /// After the upgrade the stored answer is replayed, the abandoned key is taken over, and the payments go on.
    /// </summary>
    private static async Task UpgradeKeepsPaymentsAndKeysAsync(StorageProvider provider, string connectionString)
    {
        var options = (provider == StorageProvider.Sqlite
                ? new DbContextOptionsBuilder<PlatformDbContext>().UseSqlite(connectionString)
                : new DbContextOptionsBuilder<PlatformDbContext>().UseNpgsql(connectionString))
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)).Options;
        var storedCapture = Encoding.UTF8.GetBytes("""{"id":"pay_old1","status":"captured","stored":"before the upgrade"}""");
        var captureFingerprint = IdempotencyKeyHeader.Fingerprint("POST", "/payments/v1/payments/pay_old1/capture", new CapturePaymentRequest(null));
        var abandonedFingerprint = IdempotencyKeyHeader.Fingerprint("POST", "/payments/v1/payments/pay_old2/capture", new CapturePaymentRequest(null));
        var tenMinutesAgo = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeMilliseconds();
        var tomorrow = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds();
        await using (var old = new PlatformDbContext(options))
        {
            await old.GetService<IMigrator>().MigrateAsync(BeforePaymentPhases);
            await old.Database.ExecuteSqlRawAsync(
                """
                INSERT INTO "Accounts" ("Id", "Email", "Name", "CreatedAt") VALUES ('acc_old', 'old-phases@example.com', 'Old shop', 1700000000000);
                INSERT INTO "Projects" ("Id", "AccountId", "Name", "CreatedAt") VALUES ('prj_old', 'acc_old', 'Default project', 1700000000000);
                INSERT INTO "DataSpaces" ("Id", "AccountId", "ProjectId", "Name", "Type", "CreatedAt") VALUES ('ds_old', 'acc_old', 'prj_old', 'till', 'testing', 1700000000000);
                INSERT INTO "Payments" ("Id", "DataSpaceId", "Reference", "Amount", "Currency", "Status", "CapturedAmount", "RefundedAmount", "CardBrand", "CardLast4", "CardExpMonth", "CardExpYear", "ProcessorReference", "CreatedAt", "UpdatedAt", "Version")
                VALUES ('pay_old1', 'ds_old', 'order-1', 1999, 'EUR', 'partially_refunded', 1999, 500, 'visa', '1111', 12, 2034, 'sbx_old1', 1700000001000, 1700000003000, 2),
                       ('pay_old2', 'ds_old', 'order-2', 500, 'EUR', 'authorized', 0, 0, 'visa', '1111', 12, 2034, 'sbx_old2', 1700000002000, 1700000002000, 0);
                INSERT INTO "PaymentRefunds" ("Id", "PaymentId", "DataSpaceId", "Amount", "CreatedAt") VALUES ('rfd_old', 'pay_old1', 'ds_old', 500, 1700000003000);
                """);
            await old.Database.ExecuteSqlRawAsync(
                """
                INSERT INTO "PaymentIdempotencyKeys" ("DataSpaceId", "Key", "Fingerprint", "Status", "ContentType", "Location", "Body", "CreatedAt", "ExpiresAt")
                VALUES ('ds_old', 'old-capture', {0}, 200, 'application/json; charset=utf-8', NULL, {1}, {2}, {3}),
                       ('ds_old', 'old-abandoned', {4}, NULL, NULL, NULL, NULL, {2}, {3});
                """, captureFingerprint, storedCapture, tenMinutesAgo, tomorrow, abandonedFingerprint);
        }

        await using (var upgraded = new PlatformDbContext(options))
        {
            await upgraded.Database.MigrateAsync();
            var payments = await upgraded.Payments.AsNoTracking().Include(p => p.Refunds).OrderBy(p => p.Id).ToListAsync();
            Assert.Equal(["pay_old1", "pay_old2"], payments.Select(p => p.Id));
            Assert.Equal((PaymentStatuses.PartiallyRefunded, 1999L, 500L, 0L, (string?)null),
                (payments[0].Status, payments[0].CapturedAmount, payments[0].RefundedAmount, payments[0].PendingRefundAmount, payments[0].PendingOperationId));
            Assert.Equal("rfd_old", Assert.Single(payments[0].Refunds).Id);
            var keys = await upgraded.PaymentIdempotencyKeys.AsNoTracking().OrderBy(k => k.Key).ToListAsync();
            Assert.Equal(["old-abandoned", "old-capture"], keys.Select(k => k.Key));
            Assert.All(keys, k => Assert.Null(k.OperationId));
            Assert.Equal(storedCapture, keys[1].Body);
        }

        await using var platform = await PlatformHost.StartAsync(provider,
            provider == StorageProvider.Sqlite ? new Dictionary<string, string?> { ["Storage:ConnectionString"] = connectionString } : null,
            provider == StorageProvider.PostgreSql ? connectionString : null);
        (await platform.Management.PutAsync("/api/v1/accounts/acc_old/entitlements/payments", null)).EnsureSuccessStatusCode();
        var key = await GatewayFixture.CreateKeyAsync(platform, "acc_old", GatewayEnvironment.Sandbox);
        var merchant = new Merchant(platform, "acc_old", "prj_old", key, key);

        var replayed = await merchant.PostAsync("ds_old", "/payments/v1/payments/pay_old1/capture", null, "old-capture");
        var takenOver = await merchant.PostAsync("ds_old", "/payments/v1/payments/pay_old2/capture", null, "old-abandoned");
        var refunded = await merchant.PostAsync("ds_old", "/payments/v1/payments/pay_old1/refunds", new { amount = 1499 }, "new-refund");

        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        Assert.True(replayed.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(storedCapture, await replayed.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, takenOver.StatusCode);
        Assert.Equal(PaymentStatuses.Captured, (await takenOver.ReadNodeAsync())["status"]!.GetValue<string>());
        Assert.Equal(PaymentStatuses.Refunded, (await refunded.ReadNodeAsync())["status"]!.GetValue<string>());
        await using var check = new PlatformDbContext(options);
        Assert.Equal([WebhookEventTypes.PaymentCaptured], await check.OutboxEvents.Where(e => e.SubjectId == "pay_old2").Select(e => e.Type).ToListAsync());
        Assert.Equal([WebhookEventTypes.PaymentRefunded], await check.OutboxEvents.Where(e => e.SubjectId == "pay_old1").Select(e => e.Type).ToListAsync());
    }
}
