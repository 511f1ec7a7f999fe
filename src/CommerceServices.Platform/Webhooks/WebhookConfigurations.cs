using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommerceServices.Platform.Webhooks;

internal sealed class WebhookEndpointConfiguration : IEntityTypeConfiguration<WebhookEndpoint>
{
    public void Configure(EntityTypeBuilder<WebhookEndpoint> builder)
    {
        builder.ToTable("WebhookEndpoints");
        builder.HasKey(e => e.Id);
        builder.Ignore(e => e.EventPatterns);
        builder.HasIndex(e => new { e.AccountId, e.Environment });
        builder.HasMany(e => e.Secrets).WithOne().HasForeignKey(s => s.EndpointId).OnDelete(DeleteBehavior.Cascade);
        // The account's endpoints go with the account.
        builder.HasOne<Accounts.Account>().WithMany().HasForeignKey(e => e.AccountId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class WebhookSecretConfiguration : IEntityTypeConfiguration<WebhookSecret>
{
    public void Configure(EntityTypeBuilder<WebhookSecret> builder)
    {
        builder.ToTable("WebhookSecrets");
        builder.HasKey(s => s.Id);
        builder.HasIndex(s => s.EndpointId);
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> builder)
    {
        builder.ToTable("WebhookDeliveries");
        builder.HasKey(d => d.Id);
        // The claim: pending rows that are due, oldest due first.
        builder.HasIndex(d => new { d.State, d.NextAttemptAt });
        // The ordering rule: is an earlier event of the same subject still pending for this endpoint?
        builder.HasIndex(d => new { d.EndpointId, d.SubjectId, d.State, d.Sequence });
        // An endpoint's recent deliveries, newest first.
        builder.HasIndex(d => new { d.EndpointId, d.CreatedAt });
        builder.HasIndex(d => d.EventId);
        builder.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(d => d.EndpointId).OnDelete(DeleteBehavior.Cascade);
        // No foreign key to the outbox event: deliveries are history of an endpoint, events are the platform's.
    }
}

internal sealed class WebhookAttemptConfiguration : IEntityTypeConfiguration<WebhookAttempt>
{
    public void Configure(EntityTypeBuilder<WebhookAttempt> builder)
    {
        builder.ToTable("WebhookAttempts");
        builder.HasKey(a => a.Id);
        builder.HasIndex(a => new { a.EndpointId, a.At });
        builder.HasIndex(a => a.DeliveryId);
        builder.HasOne<WebhookDelivery>().WithMany().HasForeignKey(a => a.DeliveryId).OnDelete(DeleteBehavior.Cascade);
    }
}
