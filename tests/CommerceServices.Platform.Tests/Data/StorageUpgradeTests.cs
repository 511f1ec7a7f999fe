using System.Security.Cryptography;
using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Registry;
using CommerceServices.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Logging.Abstractions;

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

    [Fact]
    public async Task UpgradeWithExistingKeys_GivesThemFingerprints_OldestFirst_SoTheirPublicKeysCannotBeRegisteredAgain_OnSqlite()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("cs-upgrade-").FullName, "platform.db");
        await UpgradeFingerprintsKeysAsync(new DbContextOptionsBuilder<PlatformDbContext>().UseSqlite($"Data Source={file}"));
    }

    [Fact]
    public async Task UpgradeWithExistingKeys_GivesThemFingerprints_OldestFirst_SoTheirPublicKeysCannotBeRegisteredAgain_OnPostgreSql()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await UpgradeFingerprintsKeysAsync(new DbContextOptionsBuilder<PlatformDbContext>().UseNpgsql(connectionString));
    }

    [Fact]
    public async Task UpgradeWithProjectNamesThatFoldAlike_KeepsEveryProjectAndItsDataSpaces_RenamingTheYounger_OnSqlite()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("cs-upgrade-").FullName, "platform.db");
        await UpgradeFoldsProjectNamesAsync(new DbContextOptionsBuilder<PlatformDbContext>().UseSqlite($"Data Source={file}"));
    }

    [Fact]
    public async Task UpgradeWithProjectNamesThatFoldAlike_KeepsEveryProjectAndItsDataSpaces_RenamingTheYounger_OnPostgreSql()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await UpgradeFoldsProjectNamesAsync(new DbContextOptionsBuilder<PlatformDbContext>().UseNpgsql(connectionString));
    }

    /// <summary>
    /// Before names were folded in the database, "Åland" and "åland" could both be made in one account (and, with a race,
    /// even two "Staging"). The upgrade keeps every project and every data space in it: the oldest keeps its name, a
    /// younger one is renamed "Name (2)" (or the next number free), the rename is in the account's audit log, and from
    /// then on the unique index refuses another name that folds alike.
    /// </summary>
    private static async Task UpgradeFoldsProjectNamesAsync(DbContextOptionsBuilder<PlatformDbContext> builder)
    {
        var options = builder.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)).Options;
        await using (var old = new PlatformDbContext(options))
        {
            await old.GetService<IMigrator>().MigrateAsync("20261122000005_Portal");
            await old.Database.ExecuteSqlRawAsync(
                """
                INSERT INTO "Accounts" ("Id", "Email", "Name", "CreatedAt") VALUES ('acc_a', 'a@example.com', 'A', 1700000000000);
                INSERT INTO "Accounts" ("Id", "Email", "Name", "CreatedAt") VALUES ('acc_b', 'b@example.com', 'B', 1700000000000);
                INSERT INTO "Projects" ("Id", "AccountId", "Name", "CreatedAt") VALUES ('prj_1', 'acc_a', 'Åland', 1700000001000);
                INSERT INTO "Projects" ("Id", "AccountId", "Name", "CreatedAt") VALUES ('prj_2', 'acc_a', 'ÅLAND (2)', 1700000002000);
                INSERT INTO "Projects" ("Id", "AccountId", "Name", "CreatedAt") VALUES ('prj_3', 'acc_a', 'åland', 1700000003000);
                INSERT INTO "Projects" ("Id", "AccountId", "Name", "CreatedAt") VALUES ('prj_4', 'acc_b', 'åland', 1700000004000);
                INSERT INTO "DataSpaces" ("Id", "AccountId", "ProjectId", "Name", "Type", "CreatedAt")
                VALUES ('ds_1', 'acc_a', 'prj_3', 'live', 'production', 1700000005000);
                """);
        }

        await using var upgraded = new PlatformDbContext(options);
        await upgraded.Database.MigrateAsync();
        await ProjectNames.BackfillAsync(upgraded, new AuditLog(upgraded, TimeProvider.System), NullLogger.Instance);
        await ProjectNames.BackfillAsync(upgraded, new AuditLog(upgraded, TimeProvider.System), NullLogger.Instance); // again: nothing to do

        var projects = await upgraded.Projects.AsNoTracking().OrderBy(p => p.Id).ToListAsync();
        Assert.Equal(["Åland", "ÅLAND (2)", "åland (3)", "åland"], projects.Select(p => p.Name));
        Assert.All(projects, p => Assert.Equal(ProjectNames.Normalize(p.Name), p.NormalizedName));
        Assert.Equal("prj_3", (await upgraded.DataSpaces.AsNoTracking().SingleAsync()).ProjectId);
        var renamed = await upgraded.AuditEvents.AsNoTracking().SingleAsync();
        Assert.Equal(("acc_a", AuditActions.ProjectRenamed), (renamed.AccountId, renamed.Action));
        Assert.Contains("'åland' → 'åland (3)'", renamed.Detail);

        upgraded.Projects.Add(new Project
        {
            Id = "prj_new", AccountId = "acc_a", Name = "ÅlAnD", NormalizedName = ProjectNames.Normalize("ÅlAnD"), CreatedAt = DateTimeOffset.UtcNow,
        });
        var refused = await Assert.ThrowsAsync<DbUpdateException>(() => upgraded.SaveChangesAsync());
        Assert.True(refused.IsUniqueViolation());
    }

    /// <summary>
    /// Keys registered before fingerprints were stored have none; two of them may even share a public key, which was not refused
    /// then. The upgrade keeps every pair, gives each distinct key its fingerprint (the older pair wins a shared one), and
    /// the unique index then refuses any further pair with those keys.
    /// </summary>
    private static async Task UpgradeFingerprintsKeysAsync(DbContextOptionsBuilder<PlatformDbContext> builder)
    {
        using var shared = RSA.Create(2048);
        using var own = RSA.Create(2048);
        var sharedPem = shared.ExportSubjectPublicKeyInfoPem();
        var ownPem = own.ExportSubjectPublicKeyInfoPem();
        var options = builder.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)).Options;
        await using (var old = new PlatformDbContext(options))
        {
            await old.GetService<IMigrator>().MigrateAsync("20261121000002_Registry");
            await old.Database.ExecuteSqlRawAsync(
                """
                INSERT INTO "Accounts" ("Id", "Email", "Name", "CreatedAt") VALUES ('acc_a', 'a@example.com', 'A', 1700000000000);
                INSERT INTO "Accounts" ("Id", "Email", "Name", "CreatedAt") VALUES ('acc_b', 'b@example.com', 'B', 1700000000000);
                INSERT INTO "KeyPairs" ("Id", "AccountId", "Environment", "ApiKey", "PublicKeyPem", "Origin", "CreatedAt", "ActiveSlot")
                VALUES ('key_old', 'acc_a', 'sandbox', 'cs_sbx_old', {0}, 'uploaded', 1700000000000, 'acc_a:sandbox');
                INSERT INTO "KeyPairs" ("Id", "AccountId", "Environment", "ApiKey", "PublicKeyPem", "Origin", "CreatedAt", "ActiveSlot")
                VALUES ('key_copy', 'acc_b', 'production', 'cs_prd_copy', {0}, 'uploaded', 1700000001000, 'acc_b:production');
                INSERT INTO "KeyPairs" ("Id", "AccountId", "Environment", "ApiKey", "PublicKeyPem", "Origin", "CreatedAt", "ActiveSlot")
                VALUES ('key_own', 'acc_b', 'sandbox', 'cs_sbx_own', {1}, 'platform', 1700000002000, 'acc_b:sandbox');
                """, sharedPem, ownPem);
        }

        await using var upgraded = new PlatformDbContext(options);
        await upgraded.Database.MigrateAsync();
        await KeyFingerprints.BackfillAsync(upgraded, NullLogger.Instance);

        var keys = await upgraded.KeyPairs.AsNoTracking().OrderBy(k => k.CreatedAt).ToListAsync();
        Assert.Equal(["key_old", "key_copy", "key_own"], keys.Select(k => k.Id));
        Assert.Equal(KeyFingerprints.Of(sharedPem), keys[0].PublicKeyFingerprint);
        Assert.Null(keys[1].PublicKeyFingerprint);
        Assert.Equal(KeyFingerprints.Of(ownPem), keys[2].PublicKeyFingerprint);
        Assert.Null((await upgraded.DataSpaces.AsNoTracking().ToListAsync()).FirstOrDefault()?.CloudId);

        upgraded.KeyPairs.Add(new KeyPair
        {
            Id = "key_new", AccountId = "acc_a", Environment = Protocol.GatewayEnvironment.Production, ApiKey = "cs_prd_new",
            PublicKeyPem = ownPem, PublicKeyFingerprint = KeyFingerprints.Of(ownPem), CreatedAt = DateTimeOffset.UtcNow,
        });
        var refused = await Assert.ThrowsAsync<DbUpdateException>(() => upgraded.SaveChangesAsync());
        Assert.True(refused.IsUniqueViolation());
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
