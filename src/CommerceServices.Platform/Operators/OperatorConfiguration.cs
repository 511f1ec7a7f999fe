using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommerceServices.Platform.Operators;

internal sealed class OperatorUserConfiguration : IEntityTypeConfiguration<OperatorUser>
{
    public void Configure(EntityTypeBuilder<OperatorUser> builder)
    {
        builder.ToTable("OperatorUsers");
        builder.HasKey(o => o.Id);
        builder.Property(o => o.Email).IsRequired();
        builder.Property(o => o.Role).HasConversion(r => r.ToName(), s => s == OperatorRoles.Admin ? OperatorRole.Admin : OperatorRole.Support);
        builder.Property(o => o.PasswordHash).IsRequired();
        builder.Property(o => o.SecurityStamp).IsRequired();
        builder.HasIndex(o => o.Email).IsUnique();
    }
}

internal sealed class OperatorInvitationConfiguration : IEntityTypeConfiguration<OperatorInvitation>
{
    public void Configure(EntityTypeBuilder<OperatorInvitation> builder)
    {
        builder.ToTable("OperatorInvitations");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.Email).IsRequired();
        builder.Property(i => i.Role).HasConversion(r => r.ToName(), s => s == OperatorRoles.Admin ? OperatorRole.Admin : OperatorRole.Support);
        builder.Property(i => i.TokenHash).IsRequired();
        builder.Property(i => i.InvitedBy).IsRequired();
        builder.HasIndex(i => i.TokenHash).IsUnique();
    }
}

internal sealed class OperatorRecoveryCodeConfiguration : IEntityTypeConfiguration<OperatorRecoveryCode>
{
    public void Configure(EntityTypeBuilder<OperatorRecoveryCode> builder)
    {
        builder.ToTable("OperatorRecoveryCodes");
        builder.HasKey(c => new { c.OperatorId, c.CodeHash });
        builder.HasOne<OperatorUser>().WithMany().HasForeignKey(c => c.OperatorId).OnDelete(DeleteBehavior.Cascade);
    }
}
