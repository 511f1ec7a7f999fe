using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommerceServices.Platform.Events;

internal sealed class OutboxEventConfiguration : IEntityTypeConfiguration<OutboxEvent>
{
    public void Configure(EntityTypeBuilder<OutboxEvent> builder)
    {
        builder.ToTable("OutboxEvents");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Type).IsRequired();
        builder.Property(e => e.Data).IsRequired();
        // One position per subject: two writers that raced on a subject fail loudly instead of delivering out of order.
        builder.HasIndex(e => new { e.SubjectId, e.Sequence }).IsUnique();
        // Delivery reads the outbox in the order events were recorded.
        builder.HasIndex(e => e.CreatedAt);
        // No foreign key to the subject: an event outlives it (a data space deleted, its payments with it).
    }
}
