using CommerceServices.Platform.Registry;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommerceServices.Platform.Payments;

internal sealed class PaymentConfiguration : IEntityTypeConfiguration<Payment>
{
    public void Configure(EntityTypeBuilder<Payment> builder)
    {
        builder.ToTable("Payments");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Reference).IsRequired();
        builder.Property(p => p.Currency).IsRequired();
        builder.Property(p => p.Status).IsRequired();
        builder.Property(p => p.Version).IsConcurrencyToken();
        builder.HasIndex(p => p.DataSpaceId);
        // One copy of an origin per data space: what makes copying again a no-op (R18).
        builder.HasIndex(p => new { p.DataSpaceId, p.OriginId }).IsUnique();
        builder.HasOne<DataSpace>().WithMany().HasForeignKey(p => p.DataSpaceId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(p => p.Refunds).WithOne().HasForeignKey(r => r.PaymentId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RefundConfiguration : IEntityTypeConfiguration<Refund>
{
    public void Configure(EntityTypeBuilder<Refund> builder)
    {
        builder.ToTable("PaymentRefunds");
        builder.HasKey(r => r.Id);
        builder.HasIndex(r => r.PaymentId);
        builder.HasIndex(r => new { r.DataSpaceId, r.OriginId }).IsUnique();
    }
}

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> builder)
    {
        builder.ToTable("PaymentIdempotencyKeys");
        builder.HasKey(r => new { r.DataSpaceId, r.Key });
        builder.Property(r => r.Fingerprint).IsRequired();
        builder.HasIndex(r => r.ExpiresAt);
        builder.HasOne<DataSpace>().WithMany().HasForeignKey(r => r.DataSpaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PaymentOperationConfiguration : IEntityTypeConfiguration<PaymentOperation>
{
    public void Configure(EntityTypeBuilder<PaymentOperation> builder)
    {
        builder.ToTable("PaymentOperations");
        builder.HasKey(o => o.Id);
        builder.Property(o => o.PaymentId).IsRequired();
        builder.Property(o => o.ProcessorKey).IsRequired();
        // Phase 3 finishes an operation only from where it was: of two finishers, one updates it and the other is told.
        builder.Property(o => o.RecoveryPoint).IsConcurrencyToken();
        builder.HasIndex(o => o.PaymentId);
        // What the completer looks for: unfinished operations whose lease has run out.
        builder.HasIndex(o => new { o.RecoveryPoint, o.LockedUntil });
        builder.HasOne<Payment>().WithMany().HasForeignKey(o => o.PaymentId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SandboxProcessorOperationConfiguration : IEntityTypeConfiguration<SandboxProcessorOperation>
{
    public void Configure(EntityTypeBuilder<SandboxProcessorOperation> builder)
    {
        builder.ToTable("SandboxProcessorOperations");
        builder.HasKey(o => o.Key);
    }
}
