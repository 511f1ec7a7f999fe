using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Registry;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommerceServices.Platform.Data.Configurations;

internal sealed class ProjectConfiguration : IEntityTypeConfiguration<Project>
{
    public void Configure(EntityTypeBuilder<Project> builder)
    {
        builder.ToTable("Projects");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Name).IsRequired();
        builder.HasIndex(p => p.AccountId);
        builder.HasIndex(p => new { p.AccountId, p.NormalizedName }).IsUnique();
        builder.HasOne<Account>().WithMany().HasForeignKey(p => p.AccountId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(p => p.DataSpaces).WithOne().HasForeignKey(d => d.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DataSpaceConfiguration : IEntityTypeConfiguration<DataSpace>
{
    public void Configure(EntityTypeBuilder<DataSpace> builder)
    {
        builder.ToTable("DataSpaces");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Name).IsRequired();
        builder.Property(d => d.Type).HasConversion(t => t.ToName(), s => s == "production" ? DataSpaceType.Production : DataSpaceType.Testing);
        builder.HasIndex(d => d.AccountId);
        builder.HasIndex(d => new { d.ProjectId, d.Name }).IsUnique();
    }
}
