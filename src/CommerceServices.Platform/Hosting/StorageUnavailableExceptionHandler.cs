using System.Data.Common;
using CommerceServices.Platform.Observability;
using CommerceServices.Protocol;
using Microsoft.AspNetCore.Diagnostics;

namespace CommerceServices.Platform.Hosting;

/// <summary>
/// Turns a database that cannot be reached (PostgreSQL restarting, SQLite locked past its timeout) into a clean
/// 503 <c>storage_unavailable</c> with <c>Retry-After</c>, instead of a 500.
/// </summary>
internal sealed partial class StorageUnavailableExceptionHandler(ILogger<StorageUnavailableExceptionHandler> logger, PlatformMetrics metrics) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsStorageFailure(exception))
        {
            return false;
        }

        LogUnavailable(logger, exception.GetType().Name);
        metrics.StorageError(exception);
        httpContext.Response.Headers.RetryAfter = "2";
        await Problems.WriteAsync(httpContext, ProblemCodes.StorageUnavailable, "The database cannot be reached right now.");
        return true;
    }

    private static bool IsStorageFailure(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is DbException or TimeoutException or Microsoft.EntityFrameworkCore.Storage.RetryLimitExceededException)
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage unavailable ({ExceptionType}); answered 503.")]
    private static partial void LogUnavailable(ILogger logger, string exceptionType);
}
