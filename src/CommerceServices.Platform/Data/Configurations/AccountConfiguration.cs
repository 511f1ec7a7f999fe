using CommerceServices.Platform.Accounts;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommerceServices.Platform.Data.Configurations;

internal sealed class AccountConfiguration : IEntityTypeConfiguration<Account>
{
    public void Configure(EntityTypeBuilder<Account> builder)
    {
        builder.ToTable("Accounts");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Email).IsRequired();
        builder.Property(a => a.Name).IsRequired();
        builder.HasIndex(a => a.Email).IsUnique();
        builder.Property(a => a.NormalizedName).IsRequired();
        builder.HasIndex(a => a.NormalizedName);
        builder.HasMany(a => a.Entitlements).WithOne().HasForeignKey(e => e.AccountId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class EntitlementConfiguration : IEntityTypeConfiguration<Entitlement>
{
    public void Configure(EntityTypeBuilder<Entitlement> builder)
    {
        builder.ToTable("Entitlements");
        builder.HasKey(e => new { e.AccountId, e.Service });
    }
}
