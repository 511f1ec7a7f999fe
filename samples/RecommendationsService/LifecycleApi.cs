using CommerceServices.Protocol.Services;
using CommerceServices.Service;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace RecommendationsService;

/// <summary>
/// The data space lifecycle contract (<see cref="LifecyclePaths"/>), so the platform's holdings, copy and delete cover
/// this service's data. Only the platform calls it: its token has scope <c>lifecycle</c> (a shop's token never has),
/// and names the data space the path does.
/// </summary>
public static class LifecycleApi
{
    public static IEndpointRouteBuilder MapLifecycleApi(this IEndpointRouteBuilder app)
    {
        var lifecycle = app.MapGroup("/lifecycle/data-spaces/{dataSpaceId}").RequireAuthorization(CommerceServicesGatewayDefaults.LifecyclePolicy);
        lifecycle.MapGet("/holdings", Holdings);
        lifecycle.MapPost("/copy", Copy);
        lifecycle.MapDelete("", Delete);
        return app;
    }

    private static async Task<Results<Ok<LifecycleHoldings>, ForbidHttpResult>> Holdings(string dataSpaceId, CommerceServicesCaller caller, RecommendationsDb db,
        CancellationToken ct)
    {
        if (caller.DataSpaceId != dataSpaceId)
        {
            return TypedResults.Forbid();
        }

        var lines = await db.OrderLines.CountAsync(l => l.DataSpaceId == dataSpaceId, ct);
        var orders = await db.OrderLines.Where(l => l.DataSpaceId == dataSpaceId).Select(l => l.OrderId).Distinct().CountAsync(ct);
        return TypedResults.Ok(new LifecycleHoldings(lines, "order lines", "order line",
            lines == 0 ? null : $"{lines} order line{(lines == 1 ? "" : "s")} of {orders} order{(orders == 1 ? "" : "s")}"));
    }

    /// <summary>Adds the lines the target lacks (an order's line is one per order and product): a second copy adds 0.</summary>
    private static async Task<Results<Ok<LifecycleCopyResult>, ForbidHttpResult, BadRequest>> Copy(string dataSpaceId, LifecycleCopyRequest? request,
        CommerceServicesCaller caller, RecommendationsDb db, CancellationToken ct)
    {
        if (caller.DataSpaceId != dataSpaceId)
        {
            return TypedResults.Forbid();
        }

        if (string.IsNullOrWhiteSpace(request?.From) || request.From == dataSpaceId)
        {
            return TypedResults.BadRequest();
        }

        var held = (await db.OrderLines.Where(l => l.DataSpaceId == dataSpaceId).Select(l => new { l.OrderId, l.Sku }).ToListAsync(ct))
            .Select(l => (l.OrderId, l.Sku)).ToHashSet();
        var source = await db.OrderLines.AsNoTracking().Where(l => l.DataSpaceId == request.From).ToListAsync(ct);
        var added = source.Where(l => !held.Contains((l.OrderId, l.Sku)))
            .Select(l => new OrderLine { DataSpaceId = dataSpaceId, OrderId = l.OrderId, Sku = l.Sku, Quantity = l.Quantity, CreatedAt = l.CreatedAt })
            .ToList();
        db.OrderLines.AddRange(added);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new LifecycleCopyResult(added.Count));
    }

    private static async Task<Results<Ok<LifecycleDeleteResult>, ForbidHttpResult>> Delete(string dataSpaceId, CommerceServicesCaller caller, RecommendationsDb db,
        CancellationToken ct)
    {
        if (caller.DataSpaceId != dataSpaceId)
        {
            return TypedResults.Forbid();
        }

        return TypedResults.Ok(new LifecycleDeleteResult(await db.OrderLines.Where(l => l.DataSpaceId == dataSpaceId).ExecuteDeleteAsync(ct)));
    }
}
