using System.Text.Json;

namespace Storefront;

public sealed record OrderLine(string ProductId, string Name, int Quantity, long UnitPrice);

/// <summary>
/// A paid order. Only the card's brand and last four digits are kept, never its number or security code. The payment's
/// status and refunded amount follow the platform's payment events (<see cref="OrderWebhooks"/>).
/// </summary>
public sealed record Order(string Id, DateTimeOffset CreatedAt, string Name, string Email, IReadOnlyList<OrderLine> Lines, long Total, string Currency,
    string PaymentId, string PaymentStatus, string? Card, long RefundedAmount = 0, DateTimeOffset? PaymentUpdatedAt = null);

/// <summary>Orders as one JSON file each in <c>{DataDirectory}/orders</c>, written atomically (temp file, then rename).</summary>
public sealed class OrderStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly string _directory;

    public OrderStore(string dataDirectory)
    {
        _directory = Path.Combine(dataDirectory, "orders");
        Directory.CreateDirectory(_directory);
    }

    public static string NewId() => "ord_" + Guid.NewGuid().ToString("N")[..16];

    public async Task SaveAsync(Order order, CancellationToken ct)
    {
        var path = PathOf(order.Id) ?? throw new ArgumentException("Not an order id.", nameof(order));
        var temp = path + ".tmp";
        await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            await JsonSerializer.SerializeAsync(stream, order, Json, ct);
            await stream.FlushAsync(ct);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    public async Task<Order?> FindAsync(string id, CancellationToken ct)
    {
        if (PathOf(id) is not { } path || !File.Exists(path))
        {
            return null;
        }

        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<Order>(stream, Json, ct);
    }

    /// <summary>Whether <paramref name="id"/> has the shape of this store's order ids.</summary>
    public static bool IsOrderId(string? id) => id is not null && id.Length == 20 && id.StartsWith("ord_", StringComparison.Ordinal) && id[4..].All(char.IsAsciiHexDigitLower);

    /// <summary>The file of an order id, or null when the id is not one this store makes (so no path can be smuggled in).</summary>
    private string? PathOf(string id) => IsOrderId(id) ? Path.Combine(_directory, id + ".json") : null;
}
