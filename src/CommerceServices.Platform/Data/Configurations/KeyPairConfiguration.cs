using CommerceServices.Platform.Accounts;
using CommerceServices.Protocol;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommerceServices.Platform.Data.Configurations;

internal sealed class KeyPairConfiguration : IEntityTypeConfiguration<KeyPair>
{
    public void Configure(EntityTypeBuilder<KeyPair> builder)
    {
        builder.ToTable("KeyPairs");
        builder.HasKey(k => k.Id);
        builder.Property(k => k.ApiKey).IsRequired();
        builder.Property(k => k.PublicKeyPem).IsRequired();
        builder.Property(k => k.Environment).HasConversion(e => e.ToName(), s => ParseEnvironment(s));
        builder.Property(k => k.Origin).HasConversion(o => o.ToString().ToLowerInvariant(), s => Enum.Parse<KeyOrigin>(s, true));
        builder.HasIndex(k => k.ApiKey).IsUnique();
        builder.HasIndex(k => k.PublicKeyFingerprint).IsUnique();
        builder.HasIndex(k => k.ActiveSlot).IsUnique();
        builder.HasIndex(k => k.AccountId);
        builder.HasOne<Account>().WithMany().HasForeignKey(k => k.AccountId).OnDelete(DeleteBehavior.Cascade);
    }

    private static GatewayEnvironment ParseEnvironment(string value) =>
        GatewayEnvironments.TryParse(value, out var environment) ? environment : throw new InvalidDataException(value);
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> builder)
    {
        builder.ToTable("AuditEvents");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Action).IsRequired();
        builder.Property(e => e.Actor).IsRequired();
        builder.HasIndex(e => new { e.AccountId, e.At });
        // The operators' audit search: one index per filter, each in time order, so "newest first" stops at a page.
        builder.HasIndex(e => new { e.At, e.Id });
        builder.HasIndex(e => new { e.Actor, e.At, e.Id });
        builder.HasIndex(e => new { e.Action, e.At, e.Id });
        builder.HasIndex(e => new { e.Subject, e.At, e.Id });
    }
}
