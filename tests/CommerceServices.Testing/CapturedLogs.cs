using System.Collections.Concurrent;
using System.Diagnostics;

namespace CommerceServices.Testing;

/// <summary>Keeps every log line a host writes, with exceptions, so tests can assert what was (never) logged.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<(string TraceId, string Line)> _traced = new();

    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>
    /// The lines written while an activity was current, with its trace id: what the console shows in the <c>TraceId</c>
    /// scope of each line.
    /// </summary>
    public IEnumerable<string> LinesOfTrace(ActivityTraceId traceId) =>
        _traced.Where(t => t.TraceId == traceId.ToHexString()).Select(t => t.Line);

    public string All => string.Join('\n', _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines, _traced);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines, ConcurrentQueue<(string, string)> traced) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            var line = $"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : "\n" + exception)}";
            lines.Enqueue(line);
            if (Activity.Current is { } activity)
            {
                traced.Enqueue((activity.TraceId.ToHexString(), line));
            }
        }
    }
}
