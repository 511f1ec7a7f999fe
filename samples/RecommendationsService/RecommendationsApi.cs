using System.Text.RegularExpressions;
using CommerceServices.Service;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace RecommendationsService;

/// <summary>An order a shop sends: its id and lines.</summary>
public sealed record OrderEvent(string? OrderId, IReadOnlyList<OrderEventLine>? Lines);

public sealed record OrderEventLine(string? Sku, int? Quantity);

public sealed record EventsAccepted(string OrderId, int Lines, int Added);

public sealed record AlsoBought(string Sku, IReadOnlyList<AlsoBoughtProduct> Products);

/// <summary>A product bought in the same orders, and in how many of them.</summary>
public sealed record AlsoBoughtProduct(string Sku, int Orders);

/// <summary>
/// What a shop calls through the gateway (<c>/recommendations/v1</c>), always in the data space the gateway checked and
/// put in its token: never a header the shop could set itself.
/// </summary>
public static partial class RecommendationsApi
{
    public static IEndpointRouteBuilder MapRecommendationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/recommendations/v1").RequireAuthorization(CommerceServicesGatewayDefaults.CallerPolicy);
        api.MapPost("/events", RecordOrder).WithName("RecordOrder");
        api.MapGet("/products/{sku}/also-bought", AlsoBoughtWith).WithName("AlsoBought");
        return app;
    }

    private static async Task<Results<Ok<EventsAccepted>, ProblemHttpResult>> RecordOrder(
        OrderEvent? order, CommerceServicesCaller caller, RecommendationsDb db, CancellationToken ct)
    {
        if (caller.DataSpaceId is not { } dataSpace)
        {
            return Problem("data_space_required", "Send the call through the gateway with a data space.");
        }

        if (order?.OrderId is not { } orderId || !Id().IsMatch(orderId))
        {
            return Problem("invalid_request", "'orderId' must be 1 to 100 letters, digits and . _ : -");
        }

        var lines = order.Lines ?? [];
        if (lines.Count is 0 or > 200 || lines.Any(l => l.Sku is null || !Id().IsMatch(l.Sku) || l.Quantity is < 1 or > 10_000))
        {
            return Problem("invalid_request", "'lines' must hold 1 to 200 lines, each with a 'sku' (letters, digits and . _ : -) and a 'quantity' from 1 to 10000.");
        }

        var known = await db.OrderLines.Where(l => l.DataSpaceId == dataSpace && l.OrderId == orderId).Select(l => l.Sku).ToListAsync(ct);
        var added = lines.GroupBy(l => l.Sku!).Where(g => !known.Contains(g.Key))
            .Select(g => new OrderLine { DataSpaceId = dataSpace, OrderId = orderId, Sku = g.Key, Quantity = g.Sum(l => l.Quantity ?? 1), CreatedAt = DateTimeOffset.UtcNow })
            .ToList();
        db.OrderLines.AddRange(added);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // The same order sent twice at once: the other request recorded it.
            added.Clear();
        }

        return TypedResults.Ok(new EventsAccepted(orderId, lines.Count, added.Count));
    }

    private static async Task<Results<Ok<AlsoBought>, ProblemHttpResult>> AlsoBoughtWith(
        string sku, int? limit, CommerceServicesCaller caller, RecommendationsDb db, CancellationToken ct)
    {
        if (caller.DataSpaceId is not { } dataSpace)
        {
            return Problem("data_space_required", "Send the call through the gateway with a data space.");
        }

        var orders = db.OrderLines.Where(l => l.DataSpaceId == dataSpace && l.Sku == sku).Select(l => l.OrderId);
        var products = await db.OrderLines
            .Where(l => l.DataSpaceId == dataSpace && l.Sku != sku && orders.Contains(l.OrderId))
            .GroupBy(l => l.Sku)
            .Select(g => new { Sku = g.Key, Orders = g.Count() })
            .OrderByDescending(p => p.Orders).ThenBy(p => p.Sku)
            .Take(Math.Clamp(limit ?? 4, 1, 20))
            .ToListAsync(ct);
        return TypedResults.Ok(new AlsoBought(sku, products.Select(p => new AlsoBoughtProduct(p.Sku, p.Orders)).ToList()));
    }

    private static ProblemHttpResult Problem(string code, string detail) =>
        TypedResults.Problem(statusCode: 400, title: "The request is not valid.", detail: detail, extensions: new Dictionary<string, object?> { ["code"] = code });

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,100}$")]
    private static partial Regex Id();
}
