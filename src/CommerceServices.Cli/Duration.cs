namespace CommerceServices.Cli;

/// <summary>Durations written the short way: <c>90s</c>, <c>30m</c>, <c>1h</c>, <c>2d</c>, or combined as <c>1h30m</c>.</summary>
public static class Duration
{
    public const string Help = "a whole number followed by s, m, h or d, e.g. 90s, 30m, 1h, 2d (or 1h30m)";

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var value = text?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        long totalSeconds = 0;
        var i = 0;
        while (i < value.Length)
        {
            var start = i;
            while (i < value.Length && char.IsAsciiDigit(value[i]))
            {
                i++;
            }

            if (i == start || i == value.Length || i - start > 9)
            {
                return false;
            }

            var number = long.Parse(value.AsSpan(start, i - start), System.Globalization.CultureInfo.InvariantCulture);
            long unit = value[i] switch
            {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86400,
                _ => 0,
            };
            if (unit == 0)
            {
                return false;
            }

            totalSeconds += number * unit;
            if (totalSeconds > int.MaxValue)
            {
                return false;
            }

            i++;
        }

        duration = TimeSpan.FromSeconds(totalSeconds);
        return true;
    }
}
