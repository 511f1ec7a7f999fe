using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Gateway;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Payments;

namespace CommerceServices.Platform.Payments;

/// <summary>
/// <c>Idempotency-Key</c> on a POST: the first request with a key runs and its answer (status, body, Location) is kept; a
/// later one with the same key and the same request gets that answer again without running; with a different request,
/// 422 <c>idempotency_key_reused</c>. Concurrent retries wait for the first to finish and get its answer. Keys belong to the
/// data space and are kept <see cref="Lifetime"/>; expired ones are removed as new keys arrive. Answers of 500 and above
/// are not kept, so a retry after a failure runs again.
/// </summary>
internal sealed class IdempotencyFilter(PlatformDbContext db, TimeProvider time) : IEndpointFilter
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    public const int MaximumKeyLength = 255;

    /// <summary>How long a retry waits for the first request with its key before answering 409 <c>idempotency_key_in_progress</c>.</summary>
    private static readonly TimeSpan WaitForFirst = TimeSpan.FromSeconds(30);

    /// <summary>A first request that has not finished in this time died with its node: its key is taken over.</summary>
    private static readonly TimeSpan Abandoned = TimeSpan.FromMinutes(2);

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var values = http.Request.Headers[GatewayHeaders.IdempotencyKey];
        if (values.Count == 0)
        {
            return await next(context);
        }

        var key = values.Count == 1 ? values[0]?.Trim() : null;
        if (string.IsNullOrEmpty(key) || key.Length > MaximumKeyLength || !key.All(c => c is >= ' ' and <= '~'))
        {
            return Problems.Of(ProblemCodes.InvalidRequest,
                $"'{GatewayHeaders.IdempotencyKey}' must be one value of 1 to {MaximumKeyLength} printable ASCII characters, such as a UUID.");
        }

        var dataSpace = GatewayCaller.From(http.User).DataSpaceId!;
        var fingerprint = Fingerprint(http.Request.Method, http.Request.Path.Value ?? "", context.Arguments);
        var waitUntil = time.GetUtcNow() + WaitForFirst;
        while (true)
        {
            var now = Now();
            var existing = await db.PaymentIdempotencyKeys.AsNoTracking()
                .FirstOrDefaultAsync(r => r.DataSpaceId == dataSpace && r.Key == key, http.RequestAborted);
            if (existing is null)
            {
                if (await TryClaimAsync(dataSpace, key, fingerprint, now, http.RequestAborted))
                {
                    break;
                }

                continue;
            }

            if (existing.ExpiresAt <= now || (existing.Status is null && now - existing.CreatedAt > Abandoned))
            {
                var createdAt = existing.CreatedAt;
                await db.PaymentIdempotencyKeys.Where(r => r.DataSpaceId == dataSpace && r.Key == key && r.CreatedAt == createdAt)
                    .ExecuteDeleteAsync(http.RequestAborted);
                continue;
            }

            if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(existing.Fingerprint), Encoding.ASCII.GetBytes(fingerprint)))
            {
                return Problems.Of(ProblemCodes.IdempotencyKeyReused,
                    $"'{GatewayHeaders.IdempotencyKey}' {key} was first used with a different request (another call, payment or body); " +
                    "use a new key for a new operation.");
            }

            if (existing.Status is { } status)
            {
                return Replay(status, existing.ContentType, existing.Location, existing.Body ?? []);
            }

            if (time.GetUtcNow() > waitUntil)
            {
                return Problems.Of(ProblemCodes.IdempotencyKeyInProgress,
                    $"The first request with '{GatewayHeaders.IdempotencyKey}' {key} is still running; retry shortly to get its answer.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(40), time, http.RequestAborted);
        }

        object? result;
        try
        {
            result = await next(context);
        }
        catch
        {
            await ForgetAsync(dataSpace, key);
            throw;
        }

        if (result is not IResult answer)
        {
            await ForgetAsync(dataSpace, key);
            return result;
        }

        // Run the answer into a buffer to keep exactly what the client gets, then send it.
        var response = http.Response;
        var body = response.Body;
        using var buffer = new MemoryStream();
        response.Body = buffer;
        try
        {
            await answer.ExecuteAsync(http);
        }
        finally
        {
            response.Body = body;
        }

        var bytes = buffer.ToArray();
        if (response.StatusCode < 500)
        {
            var contentType = response.ContentType;
            var location = response.Headers.Location.ToString();
            await db.PaymentIdempotencyKeys.Where(r => r.DataSpaceId == dataSpace && r.Key == key)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.Status, (int?)response.StatusCode)
                    .SetProperty(r => r.ContentType, contentType)
                    .SetProperty(r => r.Location, location.Length == 0 ? null : location)
                    .SetProperty(r => r.Body, bytes), CancellationToken.None);
        }
        else
        {
            await ForgetAsync(dataSpace, key);
        }

        await body.WriteAsync(bytes, http.RequestAborted);
        return Results.Empty;
    }

    /// <summary>
    /// Inserts the key as "in progress" unless it exists: one statement both providers run atomically, so of concurrent
    /// first requests exactly one claims the key and none meets an error. Expired keys of the data space go at the same time.
    /// </summary>
    private async Task<bool> TryClaimAsync(string dataSpace, string key, string fingerprint, DateTimeOffset now, CancellationToken ct)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        await db.PaymentIdempotencyKeys.Where(r => r.DataSpaceId == dataSpace && r.ExpiresAt <= now).ExecuteDeleteAsync(ct);
        var inserted = await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
             INSERT INTO "PaymentIdempotencyKeys" ("DataSpaceId", "Key", "Fingerprint", "CreatedAt", "ExpiresAt")
             VALUES ({dataSpace}, {key}, {fingerprint}, {nowMs}, {nowMs + (long)Lifetime.TotalMilliseconds})
             ON CONFLICT ("DataSpaceId", "Key") DO NOTHING
             """, ct);
        return inserted == 1;
    }

    private Task ForgetAsync(string dataSpace, string key) =>
        db.PaymentIdempotencyKeys.Where(r => r.DataSpaceId == dataSpace && r.Key == key && r.Status == null).ExecuteDeleteAsync(CancellationToken.None);

    private static IResult Replay(int status, string? contentType, string? location, byte[] body) => new ReplayResult(status, contentType, location, body);

    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>
    /// What makes two requests "the same": method, path and the bound body. A card is reduced to what is stored of it
    /// (brand, last four, expiry), so neither its number nor its security code, nor a hash of them, is ever kept.
    /// </summary>
    internal static string Fingerprint(string method, string path, IList<object?> arguments)
    {
        object? body = null;
        foreach (var argument in arguments)
        {
            switch (argument)
            {
                case AuthorizePaymentRequest authorize:
                    var digits = authorize.Card?.Number is { } number ? CardNumber.Digits(number) : "";
                    body = new
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
                    break;
                case CapturePaymentRequest or RefundPaymentRequest:
                    body = argument;
                    break;
            }
        }

        var canonical = $"{method} {path}\n{JsonSerializer.Serialize(body, JsonOptions)}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    private sealed class ReplayResult(int status, string? contentType, string? location, byte[] body) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = status;
            response.ContentType = contentType;
            if (location is not null)
            {
                response.Headers.Location = location;
            }

            response.Headers["Idempotent-Replayed"] = "true";
            await response.Body.WriteAsync(body, httpContext.RequestAborted);
        }
    }
}
