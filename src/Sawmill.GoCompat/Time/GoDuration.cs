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

    /// <summary>
    /// Go's <c>time.ParseDuration</c> exactly (units ns us µs ms s m h only, an optional sign, fractions), with its
    /// error text (<c>time: unknown unit "d" in duration "1d"</c>) or null when it parses. Loki uses it where a value
    /// comes from a log line (duration label filters, <c>unwrap duration</c>).
    /// </summary>
    public static string? GoParseError(string s, out long nanoseconds)
    {
        nanoseconds = 0;
        var orig = s;
        var invalid = $"time: invalid duration {GoQuote.Quote(orig)}";
        var neg = false;
        if (s.Length > 0 && s[0] is '-' or '+')
        {
            neg = s[0] == '-';
            s = s[1..];
        }
        if (s == "0")
            return null;
        if (s.Length == 0)
            return invalid;
        const ulong limit = 1UL << 63;
        ulong d = 0;
        var i = 0;
        while (i < s.Length)
        {
            if (!(s[i] == '.' || char.IsAsciiDigit(s[i])))
                return invalid;
            ulong v = 0;
            var start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                if (v > (limit - 1) / 10)
                    return invalid;
                v = v * 10 + (ulong)(s[i] - '0');
                if (v > limit)
                    return invalid;
                i++;
            }
            var pre = i != start;
            ulong f = 0;
            double scale = 1;
            var post = false;
            if (i < s.Length && s[i] == '.')
            {
                i++;
                var fs = i;
                var overflow = false;
                while (i < s.Length && char.IsAsciiDigit(s[i]))
                {
                    if (!overflow)
                    {
                        if (f > (limit - 1) / 10)
                            overflow = true;
                        else
                        {
                            var y = f * 10 + (ulong)(s[i] - '0');
                            if (y > limit)
                                overflow = true;
                            else
                            {
                                f = y;
                                scale *= 10;
                            }
                        }
                    }
                    i++;
                }
                post = i != fs;
            }
            if (!pre && !post)
                return invalid;
            var us = i;
            while (i < s.Length && !(s[i] == '.' || char.IsAsciiDigit(s[i])))
                i++;
            if (i == us)
                return $"time: missing unit in duration {GoQuote.Quote(orig)}";
            var u = s[us..i];
            ulong unit = u switch
            {
                "ns" => 1,
                "us" or "\u00B5s" or "\u03BCs" => (ulong)Ns.PerMicrosecond,
                "ms" => (ulong)Ns.PerMillisecond,
                "s" => (ulong)Ns.PerSecond,
                "m" => (ulong)Ns.PerMinute,
                "h" => (ulong)Ns.PerHour,
                _ => 0,
            };
            if (unit == 0)
                return $"time: unknown unit {GoQuote.Quote(u)} in duration {GoQuote.Quote(orig)}";
            if (v > limit / unit)
                return invalid;
            v *= unit;
            if (f > 0)
            {
                v += (ulong)(f * (unit / scale));
                if (v > limit)
                    return invalid;
            }
            d += v;
            if (d > limit)
                return invalid;
        }
        if (neg)
        {
            nanoseconds = d == limit ? long.MinValue : -(long)d;
            return null;
        }
        if (d > limit - 1)
            return invalid;
        nanoseconds = (long)d;
        return null;
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
        // Years and weeks only when they divide the whole, as Prometheus prints them (90d, not 12w6d).
        (long unit, string name, bool exact)[] units =
        [
            (365L * 24 * 3600 * 1000, "y", true), (7L * 24 * 3600 * 1000, "w", true), (24L * 3600 * 1000, "d", false),
            (3600L * 1000, "h", false), (60L * 1000, "m", false), (1000, "s", false), (1, "ms", false),
        ];
        foreach (var (unit, name, exact) in units)
        {
            if (ms >= unit && (!exact || ms % unit == 0))
            {
                sb.Append(ms / unit).Append(name);
                ms %= unit;
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// Prometheus's model.ParseDuration, stricter than <see cref="TryParse"/>: <c>0</c>, or whole numbers with the
    /// units y w d h m s ms, each at most once and biggest first; no fractions, no sign.
    /// </summary>
    public static bool TryParsePrometheus(string s, out long nanoseconds) => PrometheusError(s, out nanoseconds) == null;

    /// <summary>As <see cref="TryParsePrometheus"/>, returning model.ParseDuration's error text, or null when it parses.</summary>
    public static string? PrometheusError(string s, out long nanoseconds)
    {
        nanoseconds = 0;
        if (s == "0")
            return null;
        if (s.Length == 0)
            return "empty duration string";
        var invalid = $"not a valid duration string: {GoQuote.Quote(s)}";
        var lastUnit = 0;
        var i = 0;
        ulong total = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && s[i] is >= '0' and <= '9')
                i++;
            if (i == start || !ulong.TryParse(s.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                return invalid;
            var unitStart = i;
            while (i < s.Length && s[i] is not (>= '0' and <= '9'))
                i++;
            if (i == unitStart)
                return invalid;
            var u = s[unitStart..i];
            (int Pos, ulong Mult) unit = u switch
            {
                "y" => (1, 365UL * 24 * Ns.PerHour),
                "w" => (2, 7UL * 24 * Ns.PerHour),
                "d" => (3, 24UL * Ns.PerHour),
                "h" => (4, Ns.PerHour),
                "m" => (5, Ns.PerMinute),
                "s" => (6, Ns.PerSecond),
                "ms" => (7, Ns.PerMillisecond),
                _ => (0, 0),
            };
            if (unit.Pos == 0)
                return $"unknown unit {GoQuote.Quote(u)} in duration {GoQuote.Quote(s)}";
            if (unit.Pos <= lastUnit)
                return invalid;
            lastUnit = unit.Pos;
            if (number > (1UL << 63) / unit.Mult)
                return "duration out of range";
            total += number * unit.Mult;
            if (total > long.MaxValue)
                return "duration out of range";
        }
        nanoseconds = (long)total;
        return null;
    }

    /// <summary>Go's time.Duration.String: <c>961h0m0s</c>, <c>1.5s</c>, <c>250ms</c>, <c>0s</c>.</summary>
    public static string FormatGo(long ns)
    {
        if (ns == 0)
            return "0s";
        var negative = ns < 0;
        var u = negative ? (ulong)-ns : (ulong)ns;
        string text;
        if (u < (ulong)Ns.PerSecond)
        {
            // Sub-second: one unit, with the fraction it needs.
            var (unit, scale) = u < (ulong)Ns.PerMicrosecond ? ("ns", 1UL) : u < (ulong)Ns.PerMillisecond ? ("µs", (ulong)Ns.PerMicrosecond) : ("ms", (ulong)Ns.PerMillisecond);
            text = Fraction(u, scale) + unit;
        }
        else
        {
            var sb = new StringBuilder();
            var hours = u / (ulong)Ns.PerHour;
            var minutes = u / (ulong)Ns.PerMinute % 60;
            if (hours > 0)
                sb.Append(hours).Append('h');
            if (hours > 0 || minutes > 0)
                sb.Append(minutes).Append('m');
            sb.Append(Fraction(u % (ulong)Ns.PerMinute, (ulong)Ns.PerSecond)).Append('s');
            text = sb.ToString();
        }
        return negative ? "-" + text : text;

        static string Fraction(ulong v, ulong scale)
        {
            var whole = v / scale;
            var frac = v % scale;
            if (frac == 0)
                return whole.ToString(CultureInfo.InvariantCulture);
            var digits = scale.ToString(CultureInfo.InvariantCulture).Length - 1;
            return whole.ToString(CultureInfo.InvariantCulture) + "." + frac.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
        }
    }
}
