using CommerceServices.Protocol;
using Microsoft.AspNetCore.Diagnostics;

namespace CommerceServices.Platform.Hosting;

/// <summary>
/// A body that is not JSON, or JSON of the wrong shape, is the caller's mistake: 400 <c>invalid_request</c> with a
/// sentence saying which part could not be read.
/// </summary>
internal sealed class BadRequestExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        var detail = badRequest.InnerException is System.Text.Json.JsonException json
            ? $"The request body is not valid JSON for this call: {json.Message.Split(" Path:")[0]}"
            : badRequest.Message;
        var code = badRequest.StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge => "request_too_large",
            StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
            _ => ProblemCodes.InvalidRequest,
        };
        await Problems.WriteAsync(httpContext, code, detail, badRequest.StatusCode);
        return true;
    }
}
