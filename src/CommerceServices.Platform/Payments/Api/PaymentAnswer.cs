using System.Text.Json;
using CommerceServices.Platform.Hosting;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Payments;

namespace CommerceServices.Platform.Payments;

/// <summary>
/// The answer to a payment call as bytes: what the first request sends, what is stored with its idempotency key in the
/// same transaction as the outcome, and what every retry gets again, byte for byte.
/// </summary>
public sealed record PaymentAnswer(int Status, string ContentType, byte[] Body, string? Location)
{
    public const string Json = "application/json; charset=utf-8";
    public const string ProblemJson = "application/problem+json";

    public static PaymentAnswer Of(PaymentRecord payment, int status, JsonSerializerOptions json) =>
        new(status, Json, JsonSerializer.SerializeToUtf8Bytes(payment, json),
            status == StatusCodes.Status201Created ? $"/{PaymentPaths.Payment(payment.Id)}" : null);

    /// <summary>A refusal as RFC 9457 problem JSON with the platform's <c>code</c> and <c>message</c> (and the payment it concerns).</summary>
    public static PaymentAnswer Of(PlatformError error, string? paymentId, JsonSerializerOptions json)
    {
        var problem = new Dictionary<string, object?>
        {
            ["title"] = ProblemCatalog.TitleOf(error.Code),
            ["status"] = error.Status,
            ["detail"] = error.Message,
            ["code"] = error.Code,
            [Problems.MessageMember] = error.Message,
        };
        if (paymentId is not null)
        {
            problem["paymentId"] = paymentId;
        }

        return new PaymentAnswer(error.Status, ProblemJson, JsonSerializer.SerializeToUtf8Bytes(problem, json), null);
    }
}

/// <summary>What a payment call comes to: a refusal decided before anything was recorded (never stored), or an answer.</summary>
public readonly record struct PaymentCallResult(PaymentAnswer? Answer, PlatformError? Refusal, bool Replayed = false)
{
    public static implicit operator PaymentCallResult(PlatformError refusal) => new(null, refusal);

    public static implicit operator PaymentCallResult(PaymentAnswer answer) => new(answer, null);
}

/// <summary>Writes a <see cref="PaymentAnswer"/>; a replay says so in <c>Idempotent-Replayed: true</c>.</summary>
internal sealed class PaymentAnswerResult(PaymentAnswer answer, bool replayed) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = answer.Status;
        response.ContentType = answer.ContentType;
        if (answer.Location is not null)
        {
            response.Headers.Location = answer.Location;
        }

        if (answer.Status == StatusCodes.Status503ServiceUnavailable)
        {
            response.Headers.RetryAfter = "1";
        }

        if (replayed)
        {
            response.Headers["Idempotent-Replayed"] = "true";
        }

        await response.Body.WriteAsync(answer.Body, httpContext.RequestAborted);
    }
}
