using Microsoft.EntityFrameworkCore;

namespace RecommendationsService;

/// <summary>One line of an order a shop sent, in the data space of the shop that sent it.</summary>
public sealed class OrderLine
{
    public long Id { get; init; }

    public required string DataSpaceId { get; init; }

    /// <summary>The shop's own order id: a line is one per order and product, so sending an order again changes nothing.</summary>
    public required string OrderId { get; init; }

    public required string Sku { get; init; }

    public int Quantity { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}

public sealed class RecommendationsDb(DbContextOptions<RecommendationsDb> options) : DbContext(options)
{
    public DbSet<OrderLine> OrderLines => Set<OrderLine>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var line = modelBuilder.Entity<OrderLine>();
        line.HasKey(l => l.Id);
        line.HasIndex(l => new { l.DataSpaceId, l.OrderId, l.Sku }).IsUnique();
        line.HasIndex(l => new { l.DataSpaceId, l.Sku });
        line.Property(l => l.CreatedAt).HasConversion(v => v.ToUnixTimeMilliseconds(), v => DateTimeOffset.FromUnixTimeMilliseconds(v));
    }
}
