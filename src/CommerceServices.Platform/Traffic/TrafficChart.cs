using System.Globalization;
using System.Net;
using System.Text;

namespace CommerceServices.Platform.Traffic;

/// <summary>
/// Draws the traffic rollups as an SVG of stacked columns, on the server: no script, no style attribute (colours come
/// from the stylesheet through classes <c>c0</c>…<c>c9</c>, so a strict Content-Security-Policy holds), one
/// <c>&lt;title&gt;</c> per column for the numbers, and a legend to print beside it.
/// </summary>
public static class TrafficChart
{
    private const int Width = 1000;
    private const int Height = 260;
    private const int Left = 56;
    private const int Right = 8;
    private const int Top = 12;
    private const int Bottom = 28;
    private const int Palette = 10;

    /// <summary>The colour class of each outcome: accepted first, then rate limits and upstream errors, then refusal codes.</summary>
    public static IReadOnlyDictionary<string, string> ClassesOf(IEnumerable<string> outcomes)
    {
        var classes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [TrafficOutcomes.Accepted] = "c0",
            [Protocol.ProblemCodes.RateLimited] = "c1",
            [TrafficOutcomes.UpstreamError] = "c2",
        };
        var next = 3;
        foreach (var outcome in outcomes.Distinct().Order(StringComparer.Ordinal))
        {
            if (!classes.ContainsKey(outcome))
            {
                classes[outcome] = "c" + Math.Min(next++, Palette - 1);
            }
        }

        return classes;
    }

    /// <summary>The chart of <paramref name="summary"/>, in columns of <paramref name="bucket"/> (a divisor of the time shown).</summary>
    public static string Render(TrafficSummary summary, TimeSpan bucket, string title)
    {
        var classes = ClassesOf(summary.Series.Select(p => p.Outcome));
        var order = classes.OrderBy(c => int.Parse(c.Value.AsSpan(1), CultureInfo.InvariantCulture)).Select(c => c.Key).ToList();
        var bucketMs = (long)bucket.TotalMilliseconds;
        var start = summary.Since.ToUnixTimeMilliseconds();
        var count = (int)Math.Ceiling((summary.Until.ToUnixTimeMilliseconds() - start) / (double)bucketMs);
        var columns = new Dictionary<string, long>[count];
        foreach (var point in summary.Series)
        {
            var index = (int)((point.Minute.ToUnixTimeMilliseconds() - start) / bucketMs);
            if (index >= 0 && index < count)
            {
                var column = columns[index] ??= new Dictionary<string, long>(StringComparer.Ordinal);
                column[point.Outcome] = column.GetValueOrDefault(point.Outcome) + point.Count;
            }
        }

        var peak = Math.Max(1, columns.Max(c => c?.Values.Sum() ?? 0));
        var scale = NiceCeiling(peak);
        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;
        var step = plotWidth / (double)count;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg class=\"chart\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{Encode(title)}\" xmlns=\"http://www.w3.org/2000/svg\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title>{Encode(title)}</title>");
        foreach (var fraction in new[] { 0.0, 0.5, 1.0 })
        {
            var y = Top + plotHeight * (1 - fraction);
            svg.Append(CultureInfo.InvariantCulture,
                $"<line class=\"grid\" x1=\"{Left}\" y1=\"{y:0.#}\" x2=\"{Width - Right}\" y2=\"{y:0.#}\"/>");
            svg.Append(CultureInfo.InvariantCulture,
                $"<text class=\"axis\" x=\"{Left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{Compact(scale * fraction)}</text>");
        }

        var labelEvery = Math.Max(1, count / 6);
        for (var i = 0; i < count; i++)
        {
            var from = DateTimeOffset.FromUnixTimeMilliseconds(start + i * bucketMs);
            if (i % labelEvery == 0)
            {
                svg.Append(CultureInfo.InvariantCulture,
                    $"<text class=\"axis\" x=\"{Left + i * step:0.#}\" y=\"{Height - 8}\">{from.UtcDateTime:HH:mm}</text>");
            }

            if (columns[i] is not { } column)
            {
                continue;
            }

            svg.Append(CultureInfo.InvariantCulture,
                $"<g><title>{from.UtcDateTime:yyyy-MM-dd HH:mm}Z, {Encode(bucket.TotalMinutes == 1 ? "1 minute" : $"{bucket.TotalMinutes:0} minutes")}: " +
                $"{Encode(string.Join(", ", order.Where(column.ContainsKey).Select(o => $"{o} {column[o]}")))}</title>");
            var y = Top + (double)plotHeight;
            foreach (var outcome in order.Where(column.ContainsKey))
            {
                var h = plotHeight * column[outcome] / (double)scale;
                y -= h;
                svg.Append(CultureInfo.InvariantCulture,
                    $"<rect class=\"{classes[outcome]}\" data-outcome=\"{Encode(outcome)}\" x=\"{Left + i * step + step * 0.1:0.##}\" y=\"{y:0.##}\" " +
                    $"width=\"{Math.Max(0.5, step * 0.8):0.##}\" height=\"{Math.Max(0.5, h):0.##}\"/>");
            }

            svg.Append("</g>");
        }

        svg.Append(CultureInfo.InvariantCulture,
            $"<line class=\"baseline\" x1=\"{Left}\" y1=\"{Top + plotHeight}\" x2=\"{Width - Right}\" y2=\"{Top + plotHeight}\"/>");
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="value"/>: round numbers on the axis.</summary>
    internal static long NiceCeiling(long value)
    {
        long magnitude = 1;
        while (magnitude * 10 <= value)
        {
            magnitude *= 10;
        }

        foreach (var factor in new long[] { 1, 2, 5, 10 })
        {
            if (factor * magnitude >= value)
            {
                return factor * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string Compact(double value) =>
        value >= 1_000_000 ? $"{value / 1_000_000:0.#}M" : value >= 1_000 ? $"{value / 1_000:0.#}k" : value.ToString("0", CultureInfo.InvariantCulture);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
