using System.Globalization;
using System.Reflection;
using System.Security.Claims;
using CommerceServices.Connector;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Storefront.Components;

namespace Storefront;

public sealed record ShopFrame(string AntiforgeryField, string AntiforgeryToken, int CartCount, bool SignedIn);

public sealed record CheckoutForm(string Name, string Email, string ExpMonth, string ExpYear);

/// <summary>The shop: products, cart, checkout through Payment Services, order confirmation, and the admin sign-in.</summary>
public static class ShopEndpoints
{
    public static void MapShop(this WebApplication app)
    {
        app.MapGet("/", (HttpContext http) => Page<ProductsPage>(http, new { }));
        app.MapGet("/products/{id}", async (string id, HttpContext http, RecommendationsClient recommendations, CancellationToken ct) =>
            Catalog.Find(id) is { } product
                ? Page<ProductPage>(http, new { Product = product, AlsoBought = await recommendations.AlsoBoughtAsync(product.Id, ct) })
                : Page<ShopMessage>(http, new { Title = "Product not found", Text = "There is no such product." }, StatusCodes.Status404NotFound));
        app.MapGet("/cart", (HttpContext http) => Page<CartPage>(http, new { Lines = Cart.Read(http), Currency = Currency(http) }));
        app.MapPost("/cart", AddToCartAsync).DisableAntiforgery();
        app.MapPost("/cart/update", UpdateCartAsync).DisableAntiforgery();
        app.MapGet("/checkout", (HttpContext http, CommerceServicesConnector connector, CancellationToken ct) => CheckoutPageAsync(http, connector, null, null, ct))
            .WithSecurityHeadersPolicy(ShopSecurityHeaders.CheckoutPolicy);
        app.MapPost("/checkout", CheckoutAsync).DisableAntiforgery().WithSecurityHeadersPolicy(ShopSecurityHeaders.CheckoutPolicy);
        // Only in the browser that placed the order: its URL alone shows nothing (the page shows the shopper's email).
        app.MapGet("/orders/{id}", async (string id, HttpContext http, OrderStore orders, CancellationToken ct) =>
            PlacedOrders.Contains(http, id) && await orders.FindAsync(id, ct) is { } order
                ? Page<OrderPage>(http, new { Order = order })
                : Page<ShopMessage>(http, new { Title = "Order not found", Text = "There is no such order in this browser." }, StatusCodes.Status404NotFound));
        app.MapGet("/shop.css", (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=3600";
            return Results.Bytes(Stylesheet.Value, "text/css; charset=utf-8");
        });
    }

    private static readonly Lazy<byte[]> Stylesheet = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Storefront.Assets.shop.css")
            ?? throw new InvalidOperationException("The embedded stylesheet Storefront.Assets.shop.css is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static void MapAdminSignIn(this WebApplication app)
    {
        app.MapGet("/admin/sign-in", (HttpContext http, string? returnUrl, AdminCredentials credentials) =>
            Page<SignInPage>(http, new { ReturnUrl = LocalOnly(returnUrl), PasswordFile = credentials.PasswordFileForDisplay }));
        app.MapPost("/admin/sign-in", SignInAsync).DisableAntiforgery().RequireRateLimiting(StorefrontApplication.SignInRateLimitPolicy);
        app.MapPost("/admin/sign-out", async (HttpContext http, AdminCredentials credentials) =>
        {
            if (await RefuseForgeryAsync(http) is { } refused)
            {
                return refused;
            }

            // Ends the session on the server: the cookie's stamp no longer matches, wherever a copy of it is kept.
            credentials.EndSessions();
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return TypedResults.Redirect("/");
        }).DisableAntiforgery();
    }

    private static async Task<IResult> AddToCartAsync(HttpContext http, CancellationToken ct)
    {
        if (await RefuseForgeryAsync(http) is { } refused)
        {
            return refused;
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        if (Catalog.Find(form["productId"]) is not { } product)
        {
            return Page<ShopMessage>(http, new { Title = "Not added", Text = "There is no such product." }, StatusCodes.Status400BadRequest);
        }

        var lines = Cart.Read(http).ToList();
        var index = lines.FindIndex(l => l.Product.Id == product.Id);
        if (index >= 0)
        {
            lines[index] = lines[index] with { Quantity = lines[index].Quantity + 1 };
        }
        else
        {
            lines.Add(new CartLine(product, 1));
        }

        Cart.Write(http, lines);
        return TypedResults.Redirect("/cart");
    }

    private static async Task<IResult> UpdateCartAsync(HttpContext http, CancellationToken ct)
    {
        if (await RefuseForgeryAsync(http) is { } refused)
        {
            return refused;
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        _ = int.TryParse(form["quantity"], NumberStyles.None, CultureInfo.InvariantCulture, out var quantity);
        var lines = Cart.Read(http).Select(l => l.Product.Id == form["productId"] ? l with { Quantity = Math.Clamp(quantity, 0, 20) } : l);
        Cart.Write(http, lines.ToList());
        return TypedResults.Redirect("/cart");
    }

    private static async Task<IResult> CheckoutPageAsync(HttpContext http, CommerceServicesConnector connector, CheckoutForm? typed,
        PaymentOutcome? failure, CancellationToken ct)
    {
        var lines = Cart.Read(http);
        var status = await connector.GetStatusAsync(ct);
        return Page<CheckoutPage>(http, new
        {
            Lines = lines, Currency = Currency(http), Form = typed ?? new CheckoutForm("", "", "", ""), Failure = failure,
            Ready = status.IsVerified, Sandbox = status.Environment == CommerceServices.Protocol.GatewayEnvironment.Sandbox,
        }, failure is null ? StatusCodes.Status200OK : StatusCodes.Status422UnprocessableEntity);
    }

    private static async Task<IResult> CheckoutAsync(HttpContext http, CommerceServicesConnector connector, CheckoutPayments payments, OrderStore orders,
        OrderEventSender orderEvents, CancellationToken ct)
    {
        if (await RefuseForgeryAsync(http) is { } refused)
        {
            return refused;
        }

        var form = await http.Request.ReadFormAsync(ct);
        var typed = new CheckoutForm(form["name"].ToString().Trim(), form["email"].ToString().Trim(), form["expMonth"].ToString().Trim(),
            form["expYear"].ToString().Trim());
        var lines = Cart.Read(http);
        if (lines.Count == 0)
        {
            return TypedResults.Redirect("/cart");
        }

        var number = new string(form["cardNumber"].ToString().Where(c => !char.IsWhiteSpace(c) && c != '-').ToArray());
        var cvc = form["cvc"].ToString().Trim();
        string? problem = typed.Name.Length is 0 or > 100 ? "Enter your name."
            : HasControlOrDirection(typed.Name) ? "Enter your name without control or text-direction characters."
            : !typed.Email.Contains('@', StringComparison.Ordinal) || typed.Email.Length > 200 || HasControlOrDirection(typed.Email) ? "Enter an email address."
            : number.Length is < 12 or > 19 || !number.All(char.IsAsciiDigit) ? "Enter the card number (12 to 19 digits)."
            : !int.TryParse(typed.ExpMonth, NumberStyles.None, CultureInfo.InvariantCulture, out var month) || month is < 1 or > 12 ? "Enter the expiry month (1–12)."
            : !int.TryParse(typed.ExpYear, NumberStyles.None, CultureInfo.InvariantCulture, out var year) || year is < 2000 or > 2100 ? "Enter the expiry year (for example 2030)."
            : cvc.Length is < 3 or > 4 || !cvc.All(char.IsAsciiDigit) ? "Enter the 3 or 4 digit security code."
            : null;
        if (problem is not null)
        {
            return await CheckoutPageAsync(http, connector, typed, new PaymentOutcome(false, null, "invalid_request", problem, null), ct);
        }

        var orderId = OrderStore.NewId();
        var total = lines.Sum(l => l.Total);
        var currency = Currency(http);
        var outcome = await payments.PayAsync(orderId, total, currency,
            new CardInput(number, int.Parse(typed.ExpMonth, CultureInfo.InvariantCulture), int.Parse(typed.ExpYear, CultureInfo.InvariantCulture), cvc), ct);
        if (!outcome.Paid)
        {
            return await CheckoutPageAsync(http, connector, typed, outcome, ct);
        }

        var order = new Order(orderId, DateTimeOffset.UtcNow, typed.Name, typed.Email,
            lines.Select(l => new OrderLine(l.Product.Id, l.Product.Name, l.Quantity, l.Product.Price)).ToList(), total, currency,
            outcome.PaymentId!, "captured", outcome.Card);
        await orders.SaveAsync(order, ct);
        PlacedOrders.Add(http, orderId);
        // What was bought together feeds "Customers also bought"; sent beside the checkout, which never waits for it.
        orderEvents.Enqueue(order);
        Cart.Write(http, []);
        return TypedResults.Redirect($"/orders/{orderId}");
    }

    private static async Task<IResult> SignInAsync(HttpContext http, AdminCredentials credentials)
    {
        if (await RefuseForgeryAsync(http) is { } refused)
        {
            return refused;
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var returnUrl = LocalOnly(form["returnUrl"]);
        if (!credentials.Check(form["user"], form["password"]))
        {
            return Page<SignInPage>(http, new { ReturnUrl = returnUrl, Failed = true, PasswordFile = credentials.PasswordFileForDisplay },
                StatusCodes.Status401Unauthorized);
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, credentials.User), new Claim(ClaimTypes.Role, AdminCredentials.Role),
                new Claim(AdminCredentials.SessionStampClaim, credentials.SessionStamp),
            ],
            CookieAuthenticationDefaults.AuthenticationScheme);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        return TypedResults.Redirect(returnUrl ?? "/admin");
    }

    /// <summary>
    /// Only a path on this site: a sign-in must never send the merchant to another site. ASP.NET Core's own check, which
    /// also refuses "/\t/evil.example" (browsers drop the tab) and control characters (which would not fit in a header).
    /// </summary>
    private static string? LocalOnly(string? url) => RedirectHttpResult.IsLocalUrl(url) ? url : null;

    /// <summary>
    /// Control characters (NUL, line breaks) and Unicode direction controls (U+202E reverses the text after it) have no
    /// place in a name or an email, and would disguise them on the order page and in the shop's records.
    /// </summary>
    private static bool HasControlOrDirection(string text) =>
        text.Any(c => char.IsControl(c) || c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069'));

    private static async Task<IResult?> RefuseForgeryAsync(HttpContext http) =>
        await http.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(http)
            ? null
            : Page<ShopMessage>(http, new { Title = "Form expired", Text = "This form could not be checked, so nothing was done. Go back, reload the page and send it again." },
                StatusCodes.Status400BadRequest);

    private static string Currency(HttpContext http) => http.RequestServices.GetRequiredService<IOptions<StorefrontOptions>>().Value.Currency;

    private static IResult Page<TComponent>(HttpContext http, object parameters, int status = StatusCodes.Status200OK)
        where TComponent : Microsoft.AspNetCore.Components.IComponent
    {
        var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        var frame = new ShopFrame(tokens.FormFieldName, tokens.RequestToken!, Cart.Read(http).Sum(l => l.Quantity), http.User.Identity?.IsAuthenticated == true);
        var values = new Dictionary<string, object?> { ["Frame"] = frame };
        foreach (var property in parameters.GetType().GetProperties())
        {
            values[property.Name] = property.GetValue(parameters);
        }

        return new RazorComponentResult<TComponent>(values) { StatusCode = status };
    }
}
