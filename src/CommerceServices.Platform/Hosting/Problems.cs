using CommerceServices.Protocol;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CommerceServices.Platform.Hosting;

/// <summary>An expected refusal from application code: a stable code (DESIGN.md section 4) and a sentence for people.</summary>
public sealed record PlatformError(string Code, string Message)
{
    public int Status => ProblemCatalog.StatusOf(Code);

    /// <summary>When the refusal is temporary (429, 503): how long to wait, sent as <c>Retry-After</c>.</summary>
    public TimeSpan? RetryAfter { get; init; }
}

/// <summary>The result of an application operation: a value, or the reason there is none. Not an exception.</summary>
public readonly struct Outcome<T>
{
    private Outcome(T? value, PlatformError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public PlatformError? Error { get; }

    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(PlatformError error) => new(default, error);
}

public static class OutcomeResults
{
    /// <summary>200 with the value's view, or the refusal as a problem.</summary>
    public static Results<Ok<TView>, ProblemHttpResult> ToOk<T, TView>(this Outcome<T> outcome, Func<T, TView> view) =>
        outcome.Error is { } error ? Problems.Of(error) : TypedResults.Ok(view(outcome.Value!));
}

/// <summary>
/// Writes refusals as RFC 9457 <c>application/problem+json</c> with a <c>code</c> member, and a <c>message</c> member
/// holding the same sentence as <c>detail</c>: the Magento Services Connector module shows and logs <c>message</c>, and
/// knows nothing of <c>detail</c>.
/// </summary>
public static class Problems
{
    public const string MessageMember = "message";

    public static ProblemHttpResult Of(PlatformError error) => Of(error.Code, error.Message);

    /// <summary>The refusal as a problem, with its <c>Retry-After</c> on the response when it has one.</summary>
    public static ProblemHttpResult Of(PlatformError error, HttpResponse response)
    {
        SetRetryAfter(response, error);
        return Of(error);
    }

    /// <summary>Sets <c>Retry-After</c> in whole seconds, at least 1, when the refusal says when to retry.</summary>
    public static void SetRetryAfter(HttpResponse response, PlatformError error)
    {
        if (error.RetryAfter is { } wait)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public static ProblemHttpResult Of(string code, string? detail = null, int? status = null) =>
        TypedResults.Problem(
            statusCode: status ?? ProblemCatalog.StatusOf(code),
            title: ProblemCatalog.TitleOf(code),
            detail: detail,
            extensions: new Dictionary<string, object?> { ["code"] = code, [MessageMember] = detail ?? ProblemCatalog.TitleOf(code) });

    /// <summary>Writes a problem straight to a response, for code outside endpoints (authentication, rate limiting).</summary>
    public static Task WriteAsync(HttpContext context, string code, string? detail = null, int? status = null)
    {
        context.Features.Set(new ProblemCodeFeature(code));
        return Of(code, detail, status).ExecuteAsync(context);
    }

    /// <summary>
    /// Adds a <c>code</c> and a <c>message</c> to problems the framework writes itself (unreadable JSON body, unknown
    /// route, wrong method), so every error body has them.
    /// </summary>
    internal static void AddCodeWhenMissing(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (!problem.Extensions.ContainsKey(MessageMember))
        {
            problem.Extensions[MessageMember] = problem.Detail ?? problem.Title;
        }

        if (problem.Extensions.TryGetValue("code", out var known) && known is string code)
        {
            context.HttpContext.Features.Set(new ProblemCodeFeature(code));
            return;
        }

        problem.Extensions["code"] = problem.Status switch
        {
            404 => ProblemCodes.NotFound,
            405 => "method_not_allowed",
            413 => "request_too_large",
            415 => "unsupported_media_type",
            >= 500 => ProblemCodes.InternalError,
            _ => ProblemCodes.InvalidRequest,
        };
        context.HttpContext.Features.Set(new ProblemCodeFeature((string)problem.Extensions["code"]!));
    }
}

/// <summary>The code of the problem a response carries, for whoever counts answers afterwards (gateway traffic).</summary>
public sealed record ProblemCodeFeature(string Code);
