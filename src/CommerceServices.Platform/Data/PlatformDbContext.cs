using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Events;
using CommerceServices.Platform.Payments;
using CommerceServices.Platform.Registry;
using CommerceServices.Platform.Webhooks;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace CommerceServices.Platform.Data;

/// <summary>The platform's one database: SQLite on a single machine, PostgreSQL shared by several nodes.</summary>
public sealed class PlatformDbContext(DbContextOptions<PlatformDbContext> options) : DbContext(options)
{
    public DbSet<Account> Accounts => Set<Account>();

    public DbSet<Entitlement> Entitlements => Set<Entitlement>();

    public DbSet<KeyPair> KeyPairs => Set<KeyPair>();

    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    public DbSet<Project> Projects => Set<Project>();

    public DbSet<DataSpace> DataSpaces => Set<DataSpace>();

    public DbSet<Payment> Payments => Set<Payment>();

    public DbSet<Refund> PaymentRefunds => Set<Refund>();

    public DbSet<IdempotencyRecord> PaymentIdempotencyKeys => Set<IdempotencyRecord>();

    public DbSet<PaymentOperation> PaymentOperations => Set<PaymentOperation>();

    public DbSet<SandboxProcessorOperation> SandboxProcessorOperations => Set<SandboxProcessorOperation>();

    public DbSet<OutboxEvent> OutboxEvents => Set<OutboxEvent>();

    public DbSet<WebhookEndpoint> WebhookEndpoints => Set<WebhookEndpoint>();

    public DbSet<WebhookSecret> WebhookSecrets => Set<WebhookSecret>();

    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();

    public DbSet<WebhookAttempt> WebhookAttempts => Set<WebhookAttempt>();

    public DbSet<KeyExpiryNotice> KeyExpiryNotices => Set<KeyExpiryNotice>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(PlatformDbContext).Assembly);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Unix milliseconds: one representation that SQLite can compare and order, and PostgreSQL stores exactly.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UnixMillisecondsConverter>();
    }

    private sealed class UnixMillisecondsConverter() : ValueConverter<DateTimeOffset, long>(
        v => v.ToUnixTimeMilliseconds(),
        v => DateTimeOffset.FromUnixTimeMilliseconds(v));
}
