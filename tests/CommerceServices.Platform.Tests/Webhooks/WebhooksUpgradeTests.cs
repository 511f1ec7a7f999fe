using CommerceServices.Platform.Data;
using CommerceServices.Platform.Webhooks;
using CommerceServices.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CommerceServices.Platform.Tests.Webhooks;

/// <summary>A database with accounts, keys and outbox events before webhooks keeps them, and takes endpoints and deliveries after.</summary>
public sealed class WebhooksUpgradeTests
{
    private const string BeforeWebhooks = "20261205000300_PaymentPhases";

    [Fact]
    public async Task UpgradeToWebhooks_KeepsExistingRows_OnSqlite()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("cs-upgrade-").FullName, "platform.db");
        await UpgradeKeepsRowsAsync(new DbContextOptionsBuilder<PlatformDbContext>().UseSqlite($"Data Source={file}"));
    }

    [Fact]
    public async Task UpgradeToWebhooks_KeepsExistingRows_OnPostgreSql()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await UpgradeKeepsRowsAsync(new DbContextOptionsBuilder<PlatformDbContext>().UseNpgsql(connectionString));
    }

    private static async Task UpgradeKeepsRowsAsync(DbContextOptionsBuilder<PlatformDbContext> builder)
    {
        var options = builder.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)).Options;
        await using (var old = new PlatformDbContext(options))
        {
            await old.GetService<IMigrator>().MigrateAsync(BeforeWebhooks);
            await old.Database.ExecuteSqlRawAsync(
                """
                INSERT INTO "Accounts" ("Id", "Email", "Name", "CreatedAt") VALUES ('acc_old', 'old@example.com', 'Old shop', 1700000000000);
                INSERT INTO "KeyPairs" ("Id", "AccountId", "Environment", "ApiKey", "PublicKeyPem", "Origin", "CreatedAt", "ExpiresAt")
                VALUES ('key_old', 'acc_old', 'sandbox', 'cs_test_old', 'pem', 'platform', 1700000000000, 1700000900000);
                INSERT INTO "OutboxEvents" ("Id", "Type", "AccountId", "Environment", "DataSpaceId", "SubjectId", "Sequence", "Data", "CreatedAt")
                VALUES ('evt_old1', 'payment.authorized', 'acc_old', 'sandbox', 'ds_old', 'pay_old', 1, '{{"id":"pay_old"}}', 1700000001000),
                       ('evt_old2', 'payment.captured', 'acc_old', 'sandbox', 'ds_old', 'pay_old', 2, '{{"id":"pay_old"}}', 1700000002000);
                """);
        }

        await using var upgraded = new PlatformDbContext(options);
        await upgraded.Database.MigrateAsync();

        Assert.Equal(["evt_old1", "evt_old2"], await upgraded.OutboxEvents.OrderBy(e => e.Id).Select(e => e.Id).ToListAsync());
        Assert.Equal("cs_test_old", (await upgraded.KeyPairs.SingleAsync(k => k.Id == "key_old")).ApiKey);
        Assert.Empty(await upgraded.WebhookDeliveries.ToListAsync()); // no endpoint existed, so no delivery

        // The new tables work beside the old rows: an endpoint of the old account, a delivery of an old event, a notice of an old key.
        upgraded.WebhookEndpoints.Add(new WebhookEndpoint
        {
            Id = "we_new", AccountId = "acc_old", Environment = "sandbox", Url = "http://127.0.0.1:9/", Events = "*",
            CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
            Secrets = { new WebhookSecret { Id = "whs_new", EndpointId = "we_new", Key = Convert.ToBase64String(new byte[32]), CreatedAt = DateTimeOffset.UtcNow } },
        });
        upgraded.WebhookDeliveries.Add(new WebhookDelivery
        {
            Id = "whd_new", EndpointId = "we_new", EventId = "evt_old2", SubjectId = "pay_old", Sequence = 2, State = DeliveryStates.Pending,
            NextAttemptAt = DateTimeOffset.UtcNow, CreatedAt = DateTimeOffset.UtcNow, Replay = true,
        });
        upgraded.KeyExpiryNotices.Add(new CommerceServices.Platform.Accounts.KeyExpiryNotice { KeyPairId = "key_old", Hours = 24, RecordedAt = DateTimeOffset.UtcNow });
        await upgraded.SaveChangesAsync();
        Assert.Equal("evt_old2", (await upgraded.WebhookDeliveries.SingleAsync()).EventId);
        Assert.Single(await upgraded.WebhookSecrets.ToListAsync());
    }
}
