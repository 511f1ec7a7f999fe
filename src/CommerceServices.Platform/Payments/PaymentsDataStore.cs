using CommerceServices.Platform.Accounts;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Registry;
using CommerceServices.Protocol.Payments;
using CommerceServices.Protocol.Services;

namespace CommerceServices.Platform.Payments;

/// <summary>
/// Payment Services' data as the registry sees it, through the data space lifecycle contract. Holdings count payments
/// and refunds, in words that keep a declined authorization apart from a payment ("1 payment, 1 declined attempt"). Copy adds what the target lacks:
/// each copy remembers its origin (<see cref="Payment.OriginId"/>, the first original however often it was carried on),
/// and an origin the target already holds — as a copy, or as the original itself — is skipped, so copying again or carrying
/// data back and forth never duplicates; a payment copied earlier keeps the state it had then, with its refunds. Idempotency
/// keys are not copied (they are answers about the source's ids, kept 24 hours) and go when the data space is deleted, with
/// the payments' operations. A payment still pending (its authorization at the processor) is not copied until it settles.
/// </summary>
internal sealed class PaymentsDataStore(PlatformDbContext db) : IDataSpaceStore
{
    public string Service => ServiceCatalog.Payments;

    public async Task<LifecycleHoldings> HoldingsAsync(string dataSpaceId, CancellationToken cancellationToken)
    {
        var declined = await db.Payments.CountAsync(p => p.DataSpaceId == dataSpaceId && p.Status == PaymentStatuses.Declined, cancellationToken);
        var payments = await db.Payments.CountAsync(p => p.DataSpaceId == dataSpaceId, cancellationToken) - declined;
        var refunds = await db.PaymentRefunds.CountAsync(r => r.DataSpaceId == dataSpaceId, cancellationToken);
        var parts = new[] { Count(payments, "payment", "payments"), Count(declined, "declined attempt", "declined attempts"), Count(refunds, "refund", "refunds") }
            .Where(p => p is not null).ToList();
        return new LifecycleHoldings(payments + declined + refunds, "payments", "payment", parts.Count == 0 ? null : string.Join(", ", parts));
    }

    private static string? Count(int n, string one, string many) => n switch { 0 => null, 1 => $"1 {one}", _ => $"{n} {many}" };

    public async Task<int> CopyAsync(string fromDataSpaceId, string toDataSpaceId, CancellationToken cancellationToken)
    {
        var source = await db.Payments.AsNoTracking().Include(p => p.Refunds).Where(p => p.DataSpaceId == fromDataSpaceId)
            .ToListAsync(cancellationToken);
        // Every origin the target holds: its own payments (which may be the originals of the source's copies) and its copies.
        var held = (await db.Payments.AsNoTracking().Where(p => p.DataSpaceId == toDataSpaceId)
                .Select(p => new { p.Id, p.OriginId }).ToListAsync(cancellationToken))
            .SelectMany(p => p.OriginId is null ? [p.Id] : new[] { p.Id, p.OriginId })
            .ToHashSet(StringComparer.Ordinal);

        var copied = 0;
        foreach (var p in source)
        {
            var origin = p.OriginId ?? p.Id;
            // A payment whose authorization is still at the processor has no state to copy yet; a later copy takes it.
            if (held.Contains(origin) || held.Contains(p.Id) || p.Status == Protocol.Payments.PaymentStatuses.Pending)
            {
                continue;
            }

            var copy = new Payment
            {
                Id = Ids.New("pay"),
                DataSpaceId = toDataSpaceId,
                Reference = p.Reference,
                Amount = p.Amount,
                Currency = p.Currency,
                Status = p.Status,
                DeclineReason = p.DeclineReason,
                CapturedAmount = p.CapturedAmount,
                RefundedAmount = p.RefundedAmount,
                CardBrand = p.CardBrand,
                CardLast4 = p.CardLast4,
                CardExpMonth = p.CardExpMonth,
                CardExpYear = p.CardExpYear,
                ProcessorReference = p.ProcessorReference,
                OriginId = origin,
                CreatedAt = p.CreatedAt,
                UpdatedAt = p.UpdatedAt,
            };
            copy.Refunds.AddRange(p.Refunds.Select(r => new Refund
            {
                Id = Ids.New("rfd"),
                PaymentId = copy.Id,
                DataSpaceId = toDataSpaceId,
                Amount = r.Amount,
                OriginId = r.OriginId ?? r.Id,
                CreatedAt = r.CreatedAt,
            }));
            db.Payments.Add(copy);
            held.Add(origin);
            copied += 1 + copy.Refunds.Count;
        }

        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return copied;
    }

    public async Task<int> DeleteAsync(string dataSpaceId, CancellationToken cancellationToken)
    {
        await db.PaymentIdempotencyKeys.Where(k => k.DataSpaceId == dataSpaceId).ExecuteDeleteAsync(cancellationToken);
        await db.PaymentOperations.Where(o => o.DataSpaceId == dataSpaceId).ExecuteDeleteAsync(cancellationToken);
        var refunds = await db.PaymentRefunds.Where(r => r.DataSpaceId == dataSpaceId).ExecuteDeleteAsync(cancellationToken);
        return refunds + await db.Payments.Where(p => p.DataSpaceId == dataSpaceId).ExecuteDeleteAsync(cancellationToken);
    }
}
