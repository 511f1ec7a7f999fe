using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Services.Lifecycle;
using CommerceServices.Platform.Services.Tokens;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommerceServices.Platform.Services;

internal sealed class RegisteredServiceConfiguration : IEntityTypeConfiguration<RegisteredService>
{
    public void Configure(EntityTypeBuilder<RegisteredService> builder)
    {
        builder.ToTable("Services");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Name).IsRequired();
        builder.Property(s => s.PathPrefix).IsRequired();
        builder.Property(s => s.Upstreams).IsRequired();
        builder.Property(s => s.DataSpace).IsRequired();
        builder.Property(s => s.Environments).IsRequired();
        builder.Property(s => s.Origin).IsRequired();
        builder.HasIndex(s => s.PathPrefix).IsUnique();
        // An entitlement names a service (R14); removing the service removes the entitlements to it.
        builder.HasMany<Entitlement>().WithOne().HasForeignKey(e => e.Service).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class GatewaySigningKeyConfiguration : IEntityTypeConfiguration<GatewaySigningKey>
{
    public void Configure(EntityTypeBuilder<GatewaySigningKey> builder)
    {
        builder.ToTable("GatewaySigningKeys");
        builder.HasKey(k => k.Kid);
        builder.Property(k => k.PublicJwk).IsRequired();
        builder.Property(k => k.ProtectedPrivateKey).IsRequired();
    }
}

internal sealed class LifecycleJobConfiguration : IEntityTypeConfiguration<LifecycleJob>
{
    public void Configure(EntityTypeBuilder<LifecycleJob> builder)
    {
        builder.ToTable("LifecycleJobs");
        builder.HasKey(j => j.Id);
        builder.Property(j => j.Kind).IsRequired();
        builder.Property(j => j.DataSpaceId).IsRequired();
        builder.Property(j => j.Status).IsRequired();
        builder.Property(j => j.Actor).IsRequired();
        builder.HasIndex(j => j.AccountId);
        builder.HasIndex(j => new { j.Status, j.NextAttemptAt });
        builder.HasOne<Account>().WithMany().HasForeignKey(j => j.AccountId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(j => j.Steps).WithOne().HasForeignKey(s => s.JobId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class LifecycleJobStepConfiguration : IEntityTypeConfiguration<LifecycleJobStep>
{
    public void Configure(EntityTypeBuilder<LifecycleJobStep> builder)
    {
        builder.ToTable("LifecycleJobSteps");
        builder.HasKey(s => new { s.JobId, s.Service });
        builder.Property(s => s.Status).IsRequired();
    }
}
