using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CommerceServices.Platform.Data;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CommerceServices.Platform.Hosting.FirstRun;

/// <summary>Everyday-use conventions of the platform: one time format in JSON, and expected conflicts logged as such.</summary>
public static partial class FirstRunExtensions
{
    public static IHostApplicationBuilder AddFirstRunConventions(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.Configure<JsonOptions>(o => o.SerializerOptions.Converters.Add(new UtcMillisecondsConverter()));

        // EF Core logs every failed command and SaveChanges at Error level with a stack trace, even when the caller
        // catches a unique-index violation and answers 409 as designed. Its own two events go to Debug; the interceptor
        // logs every failure that is not a unique-index hit at Error again, and 409s get one Information line below.
        services.AddSingleton<ExpectedConflictInterceptor>();
        services.ConfigureDbContext<PlatformDbContext>((provider, options) => options
            .ConfigureWarnings(w => w.Log(
                (CoreEventId.SaveChangesFailed, LogLevel.Debug),
                (RelationalEventId.CommandError, LogLevel.Debug)))
            .AddInterceptors(provider.GetRequiredService<ExpectedConflictInterceptor>()));

        services.PostConfigure<ProblemDetailsOptions>(o =>
        {
            var customize = o.CustomizeProblemDetails;
            o.CustomizeProblemDetails = context =>
            {
                customize?.Invoke(context);
                if (context.ProblemDetails.Status == StatusCodes.Status409Conflict)
                {
                    var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(ConflictCategory);
                    LogConflict(logger, context.HttpContext.Request.Method, context.HttpContext.Request.Path,
                        context.ProblemDetails.Extensions.TryGetValue("code", out var code) ? code?.ToString() : null);
                }
            };
        });
        return builder;
    }

    public const string ConflictCategory = "CommerceServices.Platform.Conflicts";

    [LoggerMessage(EventId = PlatformLogEvents.ExpectedConflict, Level = LogLevel.Information, Message = "Refused {Method} {Path}: 409 {Code}.")]
    private static partial void LogConflict(ILogger logger, string method, string path, string? code);

    /// <summary>Every time in a JSON answer as UTC with milliseconds, whether it was just made or read back.</summary>
    private sealed class UtcMillisecondsConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetDateTimeOffset();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// Logs failed database commands at Error, except the expected ones: unique-index hits (callers turn them into 409
/// refusals), an unreachable database (answered 503 and logged once as a warning by the exception handler), and the
/// migrator's probe for its history table on a database that has none yet.
/// </summary>
internal sealed partial class ExpectedConflictInterceptor(ILogger<ExpectedConflictInterceptor> logger) : DbCommandInterceptor
{
    private const string MigrationsHistoryTable = "__EFMigrationsHistory";

    public override void CommandFailed(System.Data.Common.DbCommand command, CommandErrorEventData eventData) => Report(command, eventData);

    public override Task CommandFailedAsync(System.Data.Common.DbCommand command, CommandErrorEventData eventData,
        CancellationToken cancellationToken = default)
    {
        Report(command, eventData);
        return Task.CompletedTask;
    }

    private void Report(System.Data.Common.DbCommand command, CommandErrorEventData eventData)
    {
        if (eventData.Exception.IsUniqueViolation() || eventData.Exception is OperationCanceledException
            || StorageFailures.IsUnreachable(eventData.Exception)
            || command.CommandText.Contains(MigrationsHistoryTable, StringComparison.Ordinal))
        {
            return;
        }

        LogCommandFailed(logger, eventData.Exception, eventData.Duration.TotalMilliseconds);
    }

    [LoggerMessage(EventId = PlatformLogEvents.DatabaseCommandFailed, Level = LogLevel.Error, Message = "A database command failed after {Milliseconds} ms.")]
    private static partial void LogCommandFailed(ILogger logger, Exception exception, double milliseconds);
}
