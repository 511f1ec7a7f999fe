using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Payments;

namespace CommerceServices.Platform.Payments;

/// <summary>
/// The <c>Idempotency-Key</c> of a payment POST, bound as an endpoint parameter: absent (<see cref="Key"/> null), a valid
/// key (1 to <see cref="MaximumKeyLength"/> printable ASCII characters), or a refusal naming what is wrong with it.
/// </summary>
public sealed record IdempotencyKeyHeader(string? Key, PlatformError? Refusal)
{
    public const int MaximumKeyLength = 255;

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public static ValueTask<IdempotencyKeyHeader?> BindAsync(HttpContext context)
    {
        var values = context.Request.Headers[GatewayHeaders.IdempotencyKey];
        if (values.Count == 0)
        {
            return ValueTask.FromResult<IdempotencyKeyHeader?>(new IdempotencyKeyHeader(null, null));
        }

        var key = values.Count == 1 ? values[0]?.Trim() : null;
        return ValueTask.FromResult<IdempotencyKeyHeader?>(string.IsNullOrEmpty(key) || key.Length > MaximumKeyLength || !key.All(c => c is >= ' ' and <= '~')
            ? new IdempotencyKeyHeader(null, new PlatformError(ProblemCodes.InvalidRequest,
                $"'{GatewayHeaders.IdempotencyKey}' must be one value of 1 to {MaximumKeyLength} printable ASCII characters, such as a UUID."))
            : new IdempotencyKeyHeader(key, null));
    }

    /// <summary>
    /// What makes two requests "the same": method, path and body. A card is reduced to what is stored of it (brand, last
    /// four, length, expiry), so neither its number nor its security code, nor a hash of them, is ever kept.
    /// </summary>
    public static string Fingerprint(string method, string path, object? request)
    {
        object? body = request switch
        {
            AuthorizePaymentRequest authorize => AuthorizeShape(authorize),
            CapturePaymentRequest or RefundPaymentRequest => request,
            _ => null,
        };
        var canonical = $"{method} {path}\n{JsonSerializer.Serialize(body, JsonOptions)}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    private static object AuthorizeShape(AuthorizePaymentRequest authorize)
    {
        var digits = authorize.Card?.Number is { } number ? CardNumber.Digits(number) : "";
        return new
        {
            authorize.Reference,
            authorize.Amount,
            authorize.Currency,
            Card = authorize.Card is null ? null : new
            {
                Brand = CardBrands.Of(digits),
                Last4 = digits.Length >= 4 ? digits[^4..] : "",
                Length = digits.Length,
                authorize.Card.ExpMonth,
                authorize.Card.ExpYear,
            },
        };
    }
}
