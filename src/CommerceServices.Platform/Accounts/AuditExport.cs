using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CommerceServices.Platform.Accounts;

/// <summary>
/// Writes audit events as CSV or JSON Lines while they are read (<see cref="AuditLog.StreamAsync"/>): one row at a time
/// into the response, flushed every few hundred rows, so an export of any size uses the same memory. The management API
/// and the operator console both export through here.
/// </summary>
public static class AuditExport
{
    public const string Csv = "csv";
    public const string JsonLines = "jsonl";

    private const int RowsPerFlush = 500;
    private static readonly string[] Columns = ["id", "at", "accountId", "action", "actor", "subject", "apiKey", "detail"];

    public static bool IsFormat(string? format) => format is Csv or JsonLines;

    public static string ContentTypeOf(string format) =>
        format == Csv ? "text/csv; charset=utf-8" : "application/jsonl; charset=utf-8";

    /// <summary>Sets the headers of a download and writes every event; returns how many were written.</summary>
    public static async Task<long> WriteAsync(HttpResponse response, string format, IAsyncEnumerable<AuditEvent> events,
        TimeProvider time, CancellationToken cancellationToken)
    {
        response.ContentType = ContentTypeOf(format);
        response.Headers.CacheControl = "no-store";
        response.Headers.ContentDisposition =
            $"attachment; filename=\"audit-{time.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}.{format}\"";
        await using var writer = new StreamWriter(response.Body, new UTF8Encoding(false), bufferSize: 64 * 1024, leaveOpen: true);
        return format == Csv
            ? await WriteCsvAsync(writer, events, cancellationToken)
            : await WriteJsonLinesAsync(writer, events, cancellationToken);
    }

    public static async Task<long> WriteCsvAsync(TextWriter writer, IAsyncEnumerable<AuditEvent> events, CancellationToken cancellationToken)
    {
        await writer.WriteLineAsync(string.Join(',', Columns));
        long count = 0;
        await foreach (var e in events.WithCancellation(cancellationToken))
        {
            await writer.WriteLineAsync(string.Join(',',
                Cell(e.Id), Cell(Time(e.At)), Cell(e.AccountId), Cell(e.Action), Cell(e.Actor), Cell(e.Subject), Cell(e.ApiKey), Cell(e.Detail)));
            if (++count % RowsPerFlush == 0)
            {
                await writer.FlushAsync(cancellationToken);
            }
        }

        await writer.FlushAsync(cancellationToken);
        return count;
    }

    public static async Task<long> WriteJsonLinesAsync(TextWriter writer, IAsyncEnumerable<AuditEvent> events, CancellationToken cancellationToken)
    {
        long count = 0;
        var buffer = new MemoryStream();
        await foreach (var e in events.WithCancellation(cancellationToken))
        {
            buffer.SetLength(0);
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("id", e.Id);
                json.WriteString("at", Time(e.At));
                json.WriteString("accountId", e.AccountId);
                json.WriteString("action", e.Action);
                json.WriteString("actor", e.Actor);
                json.WriteString("subject", e.Subject);
                json.WriteString("apiKey", e.ApiKey);
                json.WriteString("detail", e.Detail);
                json.WriteEndObject();
            }

            await writer.WriteLineAsync(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
            if (++count % RowsPerFlush == 0)
            {
                await writer.FlushAsync(cancellationToken);
            }
        }

        await writer.FlushAsync(cancellationToken);
        return count;
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// One CSV field (RFC 4180 quoting). A value a spreadsheet would run as a formula (=, +, -, @, tab, CR at the start)
    /// is prefixed with an apostrophe: audit details contain what merchants typed.
    /// </summary>
    internal static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }
}
