using System.Data.Common;
using System.Net.Sockets;
using CommerceServices.Platform.Observability;
using CommerceServices.Protocol;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage;

namespace CommerceServices.Platform.Hosting;

/// <summary>
/// Database errors, in two kinds (<see cref="StorageFailures.IsUnreachable"/>): a database that cannot be reached
/// (PostgreSQL down or restarting, a broken connection, a timeout, SQLite locked past its timeout) answers 503
/// <c>storage_unavailable</c> with <c>Retry-After</c> and a warning; any other database error (a constraint the code did
/// not expect, a bad query: a bug) answers 500 <c>internal_error</c> and is logged as an error with its exception, never
/// claiming that the database is down. Other exceptions are left to the framework (500 <c>internal_error</c>).
/// </summary>
internal sealed partial class StorageUnavailableExceptionHandler(ILogger<StorageUnavailableExceptionHandler> logger, PlatformMetrics metrics) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (StorageFailures.IsUnreachable(exception))
        {
            LogUnavailable(logger, exception.GetType().Name, exception.GetBaseException().Message);
            metrics.StorageError(exception);
            httpContext.Response.Headers.RetryAfter = "2";
            await Problems.WriteAsync(httpContext, ProblemCodes.StorageUnavailable, "The database cannot be reached right now.");
            return true;
        }

        if (StorageFailures.IsDatabaseError(exception))
        {
            LogDatabaseError(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
            await Problems.WriteAsync(httpContext, ProblemCodes.InternalError,
                "The request failed on an internal error; it was logged. Nothing is wrong with the request itself.");
            return true;
        }

        return false;
    }

    [LoggerMessage(EventId = PlatformLogEvents.StorageUnavailable, Level = LogLevel.Warning, Message = "Storage unavailable ({ExceptionType}: {Reason}); answered 503.")]
    private static partial void LogUnavailable(ILogger logger, string exceptionType, string reason);

    [LoggerMessage(EventId = PlatformLogEvents.DatabaseError, Level = LogLevel.Error, Message = "Database error on {Method} {Path}; answered 500.")]
    private static partial void LogDatabaseError(ILogger logger, Exception exception, string method, string path);
}

/// <summary>How the platform tells a database that cannot be reached from one that answered with an error.</summary>
public static class StorageFailures
{
    /// <summary>
    /// True when <paramref name="exception"/> or one of its inner exceptions says the database could not be reached:
    /// a timeout, a socket error, EF Core's retries of transient failures exhausted, a provider error the provider
    /// itself calls transient (Npgsql: connection refused or broken, server shutting down, too many connections), or
    /// SQLite busy, locked, unable to open its file or failing to read or write it.
    /// </summary>
    public static bool IsUnreachable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is TimeoutException or SocketException or RetryLimitExceededException
                or DbException { IsTransient: true }
                or SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked or SqliteIoError or SqliteCantOpen })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the database answered with an error (<see cref="DbException"/>, <see cref="DbUpdateException"/>).</summary>
    public static bool IsDatabaseError(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is DbException or DbUpdateException)
            {
                return true;
            }
        }

        return false;
    }

    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteIoError = 10;
    private const int SqliteCantOpen = 14;
}
