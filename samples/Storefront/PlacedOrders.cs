using Microsoft.AspNetCore.DataProtection;

namespace Storefront;

/// <summary>
/// The orders placed in this browser, in a Data Protection-encrypted cookie: an order's confirmation page (which shows
/// the shopper's email) opens only in the browser that placed it, not for anyone holding its URL.
/// </summary>
public static class PlacedOrders
{
    private const string CookieName = "storefront-orders";
    private const int Remembered = 20;
    private const string Purpose = "Storefront.PlacedOrders";

    public static bool Contains(HttpContext http, string orderId) => Read(http).Contains(orderId, StringComparer.Ordinal);

    public static void Add(HttpContext http, string orderId)
    {
        var ids = Read(http).Where(id => id != orderId).Prepend(orderId).Take(Remembered);
        http.Response.Cookies.Append(CookieName, Protector(http).Protect(string.Join('.', ids)), new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = http.Request.IsHttps, IsEssential = true, MaxAge = TimeSpan.FromDays(30),
        });
    }

    private static IReadOnlyList<string> Read(HttpContext http)
    {
        if (http.Request.Cookies[CookieName] is not { Length: > 0 } cookie)
        {
            return [];
        }

        try
        {
            return Protector(http).Unprotect(cookie).Split('.', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return []; // made with other keys, or tampered with: no orders
        }
    }

    private static IDataProtector Protector(HttpContext http) =>
        http.RequestServices.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose);
}
