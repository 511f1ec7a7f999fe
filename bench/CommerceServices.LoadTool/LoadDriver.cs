using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace CommerceServices.LoadTool;

/// <summary>One timed run of one client: how many calls succeeded, at what latencies, and the first unexpected answer.</summary>
internal sealed record RoundResult(string Mode, int Round, int Workers, double Seconds, long Calls, double CallsPerSecond,
    double P50Ms, double P90Ms, double P99Ms, long Errors, string? FirstError)
{
    public string ToJson() => JsonSerializer.Serialize(this, LoadDriver.JsonOptions);
}

/// <summary>One client under test: its name, how many workers call it at once, and one call that says what went wrong.</summary>
internal sealed record LoadMode(string Name, int Workers, Func<CancellationToken, Task<string?>> Call);

/// <summary>
/// Drives a call with N concurrent workers for a fixed time. A call returns null when its answer was the expected one,
/// or a sentence saying what came instead; any such answer (or exception) is an error the caller turns into a failed exit.
/// </summary>
internal static class LoadDriver
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public static async Task<RoundResult> RunAsync(string mode, int round, int workers, TimeSpan duration,
        Func<CancellationToken, Task<string?>> call, CancellationToken ct)
    {
        var latencies = new List<long>[workers];
        long errors = 0;
        string? firstError = null;
        var stopwatch = Stopwatch.StartNew();
        var end = duration.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond;
        var tasks = Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            var own = latencies[worker] = new List<long>(4096);
            while (stopwatch.ElapsedTicks < end && !ct.IsCancellationRequested)
            {
                var started = stopwatch.ElapsedTicks;
                string? error;
                try
                {
                    error = await call(ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
                {
                    error = e.GetType().Name + ": " + e.Message;
                }

                if (error is null)
                {
                    own.Add(stopwatch.ElapsedTicks - started);
                }
                else
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, error, null);
                }
            }
        }, ct)).ToArray();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double Percentile(double p) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)(p * all.Length))] * 1000.0 / Stopwatch.Frequency;
        return new RoundResult(mode, round, workers, Math.Round(seconds, 3), all.Length, Math.Round(all.Length / seconds, 1),
            Math.Round(Percentile(0.50), 3), Math.Round(Percentile(0.90), 3), Math.Round(Percentile(0.99), 3), errors, firstError);
    }

    /// <summary>
    /// Runs <paramref name="modes"/> in turn, round after round, after one warm-up round of each (tiered JIT, connection
    /// pools), printing one JSON line per measured round. Alternating puts bursts of CPU steal on every mode alike.
    /// Returns 1 when any call got an unexpected answer.
    /// </summary>
    public static async Task<int> AlternateAsync(IReadOnlyList<LoadMode> modes, TimeSpan roundDuration, int rounds, TimeSpan warmup,
        CancellationToken ct)
    {
        var failed = false;
        foreach (var (mode, workers, call) in modes)
        {
            var warm = await RunAsync(mode, 0, workers, warmup, call, ct).ConfigureAwait(false);
            failed |= Report(warm, printed: false);
        }

        for (var round = 1; round <= rounds && !failed; round++)
        {
            // Every other round starts with the other mode, so neither always runs right after the other.
            var order = round % 2 == 1 ? modes : modes.Reverse().ToList();
            foreach (var (mode, workers, call) in order)
            {
                failed |= Report(await RunAsync(mode, round, workers, roundDuration, call, ct).ConfigureAwait(false), printed: true);
            }
        }

        return failed ? 1 : 0;
    }

    private static bool Report(RoundResult result, bool printed)
    {
        if (printed || result.Errors > 0)
        {
            Console.WriteLine(result.ToJson());
        }

        if (result.Errors > 0)
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{result.Mode}: {result.Errors} unexpected answers; the first: {result.FirstError}"));
        }

        return result.Errors > 0;
    }
}
