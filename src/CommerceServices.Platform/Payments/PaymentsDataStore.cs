using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Registry;

namespace CommerceServices.Platform.Payments;

/// <summary>Payment Services' data, as the registry sees it (count, copy, delete per data space).</summary>
internal sealed class PaymentsDataStore(PlatformDbContext db) : IDataSpaceStore
{
    public string Service => ServiceCatalog.Payments;

    public string ItemsName => "payments";

    public Task<int> CountAsync(string dataSpaceId, CancellationToken cancellationToken) =>
        db.Payments.CountAsync(p => p.DataSpaceId == dataSpaceId, cancellationToken);

    public async Task<int> CopyAsync(string fromDataSpaceId, string toDataSpaceId, CancellationToken cancellationToken)
    {
        var source = await db.Payments.AsNoTracking().Where(p => p.DataSpaceId == fromDataSpaceId).ToListAsync(cancellationToken);
        db.Payments.AddRange(source.Select(p => new Payment
        {
            Id = Ids.New("pay"),
            DataSpaceId = toDataSpaceId,
            Reference = p.Reference,
            Amount = p.Amount,
            Currency = p.Currency,
            Status = p.Status,
            CreatedAt = p.CreatedAt,
        }));
        await db.SaveChangesAsync(cancellationToken);
        return source.Count;
    }

    public Task<int> DeleteAsync(string dataSpaceId, CancellationToken cancellationToken) =>
        db.Payments.Where(p => p.DataSpaceId == dataSpaceId).ExecuteDeleteAsync(cancellationToken);
}
