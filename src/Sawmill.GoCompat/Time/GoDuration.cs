using System.Globalization;
using System.Text;

namespace Sawmill.GoCompat;

/// <summary>
/// Go's duration syntax (<c>1h30m</c>, <c>5s</c>, <c>250ms</c>, <c>1.5h</c>, units ns us µs ms s m h) plus
/// Prometheus's <c>d</c>, <c>w</c> and <c>y</c>, as LogQL and Loki's config accept them. Values are nanoseconds.
/// </summary>
public static class GoDuration
{
    private static class Ns
    {
        public const long PerMicrosecond = 1_000;
        public const long PerMillisecond = 1_000_000;
        public const long PerSecond = 1_000_000_000;
        public const long PerMinute = 60 * PerSecond;
        public const long PerHour = 60 * PerMinute;
    }

    /// <summary>Parses a duration; false when the text is not a valid duration.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out long nanoseconds)
    {
        nanoseconds = 0;
        if (s.IsEmpty)
            return false;
        var negative = false;
        if (s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        if (s.SequenceEqual("0"))
            return true;
        if (s.IsEmpty)
            return false;
        decimal total = 0;
        while (!s.IsEmpty)
        {
            var i = 0;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
                i++;
            if (i == 0)
                return false;
            if (!decimal.TryParse(s[..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
                return false;
            s = s[i..];
            var j = 0;
            while (j < s.Length && !char.IsAsciiDigit(s[j]) && s[j] != '.')
                j++;
            var unit = s[..j];
            s = s[j..];
            long scale = unit switch
            {
                "ns" => 1,
                "us" or "µs" or "μs" => Ns.PerMicrosecond,
                "ms" => Ns.PerMillisecond,
                "s" => Ns.PerSecond,
                "m" => Ns.PerMinute,
                "h" => Ns.PerHour,
                "d" => 24 * Ns.PerHour,
                "w" => 7 * 24 * Ns.PerHour,
                "y" => 365 * 24 * Ns.PerHour,
                _ => 0,
            };
            if (scale == 0)
                return false;
            // Larger than any duration: refuse before the multiplication could overflow decimal.
            if (value > (decimal)long.MaxValue / scale)
                return false;
            total += value * scale;
            if (total > long.MaxValue)
                return false;
        }
        nanoseconds = (long)decimal.Truncate(total) * (negative ? -1 : 1);
        return true;
    }

    public static long Parse(string s) =>
        TryParse(s, out var ns) ? ns : throw new FormatException($"time: invalid duration \"{s}\"");

    public static TimeSpan ParseTimeSpan(string s) => TimeSpan.FromTicks(Parse(s) / 100);

    /// <summary>Prints like Prometheus's model.Duration (<c>5m</c>, <c>1h30m</c>, <c>1d</c>, <c>250ms</c>).</summary>
    public static string Format(long ns)
    {
        if (ns == 0)
            return "0s";
        var sb = new StringBuilder();
        if (ns < 0)
        {
            sb.Append('-');
            ns = -ns;
        }
        if (ns % Ns.PerMillisecond != 0)
        {
            // Sub-millisecond: fall back to Go's style.
            if (ns < Ns.PerMicrosecond)
                return sb.Append(ns).Append("ns").ToString();
            if (ns < Ns.PerMillisecond)
                return sb.Append(((double)ns / Ns.PerMicrosecond).ToString(CultureInfo.InvariantCulture)).Append("µs").ToString();
        }
        var ms = ns / Ns.PerMillisecond;
        (long unit, string name)[] units =
        [
            (365L * 24 * 3600 * 1000, "y"), (7L * 24 * 3600 * 1000, "w"), (24L * 3600 * 1000, "d"),
            (3600L * 1000, "h"), (60L * 1000, "m"), (1000, "s"), (1, "ms"),
        ];
        foreach (var (unit, name) in units)
        {
            if (ms >= unit)
            {
                sb.Append(ms / unit).Append(name);
                ms %= unit;
            }
        }
        return sb.ToString();
    }
}
