using CommerceServices.Protocol;
using Microsoft.AspNetCore.Http.Features;

namespace CommerceServices.Platform.Hosting;

/// <summary>
/// Long URLs answered as a problem with a code. Kestrel refuses what passes its own limits before the
/// application sees the request, with a bare status and no body, and offers no hook to write one. So Kestrel's request
/// line limit is raised to twice the documented one and this middleware, first in the pipeline, enforces the documented
/// one: a URL longer than 8 KiB (and within Kestrel's 16 KiB) gets 414 <c>request_line_too_long</c> with a body.
/// Headers are left to Kestrel (431 past 32 KiB, 400 for bytes it cannot parse), bare: measuring them here would walk
/// every header of every request, an allocation on the gateway's hot path. The README says so.
/// </summary>
public static class RequestLimits
{
    /// <summary>The longest request target (path and query) answered; longer is 414 <c>request_line_too_long</c>.</summary>
    public const int MaximumTargetLength = 8 * 1024;

    public static IWebHostBuilder ConfigureRequestLimits(this IWebHostBuilder webHost) =>
        webHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestLineSize = 2 * MaximumTargetLength);

    public static IApplicationBuilder UseRequestLimits(this IApplicationBuilder app) => app.Use(static (context, next) =>
        context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > MaximumTargetLength }
            ? Problems.WriteAsync(context, ProblemCodes.RequestLineTooLong,
                $"The request URL is longer than {MaximumTargetLength / 1024} KiB: send long values in the body.")
            : next(context));
}
