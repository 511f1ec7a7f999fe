using System.Globalization;

namespace Storefront;

public sealed record CartLine(Product Product, int Quantity)
{
    public long Total => Product.Price * Quantity;
}

/// <summary>The cart lives in a cookie (product ids and quantities only), so the shop keeps no session state.</summary>
public static class Cart
{
    private const string CookieName = "storefront-cart";
    private const int MaxQuantity = 20;

    public static IReadOnlyList<CartLine> Read(HttpContext http)
    {
        var lines = new List<CartLine>();
        foreach (var part in (http.Request.Cookies[CookieName] ?? "").Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var pair = part.Split('-');
            if (pair.Length == 2 && Catalog.Find(pair[0]) is { } product
                && int.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out var quantity) && quantity is > 0 and <= MaxQuantity
                && lines.All(l => l.Product.Id != product.Id))
            {
                lines.Add(new CartLine(product, quantity));
            }
        }

        return lines;
    }

    public static void Write(HttpContext http, IEnumerable<CartLine> lines)
    {
        var value = string.Join('.', lines.Where(l => l.Quantity > 0).Select(l => $"{l.Product.Id}-{Math.Min(l.Quantity, MaxQuantity)}"));
        if (value.Length == 0)
        {
            http.Response.Cookies.Delete(CookieName);
            return;
        }

        http.Response.Cookies.Append(CookieName, value, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, IsEssential = true });
    }

    /// <summary>Money as the platform, the admin pages and the CLI write it ("14.50 EUR").</summary>
    public static string Money(long minor, string currency) => CommerceServices.Protocol.Payments.Money.Format(minor, currency);
}
