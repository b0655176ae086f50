using System.Globalization;
using System.Text;
using Sawmill.Core;
using Sawmill.GoCompat;
using static Sawmill.GoCompat.TemplateArgs;

namespace Sawmill.LogQL.Log;

/// <summary>
/// The functions a log template (<c>line_format</c>, <c>label_format</c>) can call: Go's builtins, the Go strings
/// and sprig functions Loki exposes (<see cref="SprigFunctions"/>), and Loki's own: <c>__line__</c>,
/// <c>__timestamp__</c> (from the <see cref="TemplateContext"/> the pipeline passes), <c>count</c>, <c>urlencode</c>,
/// <c>urldecode</c>, <c>bytes</c>, <c>duration</c>, <c>unixEpochMillis</c>, <c>unixEpochNanos</c>,
/// <c>unixToTime</c>, <c>toDateInZone</c>, <c>alignLeft</c>, <c>alignRight</c>.
/// </summary>
internal static class LokiTemplateFunctions
{
    public static readonly TemplateFunctionSet Set = TemplateFunctionSet.Builtins
        .With(SprigFunctions.GoStrings)
        .With(SprigFunctions.Sprig)
        .With(new Dictionary<string, TemplateFunction>(StringComparer.Ordinal)
        {
            // Loki's line and timestamp.
            ["__line__"] = (c, a) =>
            {
                Arity(a, 0, "__line__");
                return ((TemplateContext)c!).Line;
            },
            ["__timestamp__"] = (c, a) =>
            {
                Arity(a, 0, "__timestamp__");
                return FromUnixNanos(((TemplateContext)c!).Entry.TimestampNs);
            },
            ["count"] = Str2("count", (re, s) => (long)Re2.Compile(re, false).Count(s)),
            ["urldecode"] = Str1("urldecode", UrlDecode),
            ["urlencode"] = Str1("urlencode", UrlEncode),
            ["bytes"] = Str1("bytes", s => ByteSize.TryParse(s, out var b) ? Math.Floor(b) : throw new TemplateException($"error calling bytes: strconv.ParseFloat: parsing {GoQuote.Quote(s)}: invalid syntax")),
            ["duration"] = Str1("duration", ParseDurationSeconds),
            ["duration_seconds"] = Str1("duration_seconds", ParseDurationSeconds),
            ["unixEpochMillis"] = (_, a) =>
            {
                Arity(a, 1, "unixEpochMillis");
                return ToTime(a[0]).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            },
            ["unixEpochNanos"] = (_, a) =>
            {
                Arity(a, 1, "unixEpochNanos");
                return UnixNanos(ToTime(a[0])).ToString(CultureInfo.InvariantCulture);
            },
            ["unixToTime"] = Str1("unixToTime", UnixToTime),
            ["toDateInZone"] = Str3("toDateInZone", (layout, zone, s) =>
            {
                var tz = FindZone(zone) ?? TimeZoneInfo.Utc;
                return GoTime.TryParseTime(s, layout, tz, out var t) ? t : new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero);
            }),
            ["alignLeft"] = (_, a) =>
            {
                Arity(a, 2, "alignLeft");
                var n = (int)I(a[0]);
                var s = S(a[1]);
                var runes = s.EnumerateRunes().ToArray();
                if (n < 0)
                    return s;
                return runes.Length >= n ? string.Concat(runes.Take(n)) : s + new string(' ', n - runes.Length);
            },
            ["alignRight"] = (_, a) =>
            {
                Arity(a, 2, "alignRight");
                var n = (int)I(a[0]);
                var s = S(a[1]);
                var runes = s.EnumerateRunes().ToArray();
                if (n < 0)
                    return s;
                return runes.Length >= n ? string.Concat(runes.Skip(runes.Length - n)) : new string(' ', n - runes.Length) + s;
            },
        });

    /// <summary>Loki's <c>unixToTime</c>: epoch in seconds, milliseconds, microseconds or nanoseconds by digit count.</summary>
    private static object UnixToTime(string s)
    {
        if (!long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
            throw new TemplateException($"error calling unixToTime: unable to convert {GoQuote.Quote(s)} to epoch time");
        var digits = s.TrimStart('-').Length;
        return digits switch
        {
            <= 10 => FromUnixNanos(v * 1_000_000_000),
            <= 13 => FromUnixNanos(v * 1_000_000),
            <= 16 => FromUnixNanos(v * 1_000),
            19 => FromUnixNanos(v),
            _ => throw new TemplateException($"error calling unixToTime: unable to parse time {GoQuote.Quote(s)}"),
        };
    }
    private static TimeZoneInfo? FindZone(string zone)
    {
        if (zone is "" or "UTC")
            return TimeZoneInfo.Utc;
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(zone);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }
    private static object ParseDurationSeconds(string s) =>
        GoDuration.TryParse(s, out var ns) ? ns / 1e9 : throw new TemplateException($"error calling duration: time: invalid duration {GoQuote.Quote(s)}");
    private static string UrlEncode(string s)
    {
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(s))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
                sb.Append((char)b);
            else if (b == ' ')
                sb.Append('+');
            else
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
    private static string UrlDecode(string s)
    {
        var bytes = new List<byte>(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '+')
                bytes.Add((byte)' ');
            else if (c == '%')
            {
                if (i + 2 >= s.Length || !byte.TryParse(s.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
                    throw new TemplateException($"error calling urldecode: invalid URL escape {GoQuote.Quote(s.Substring(i, Math.Min(3, s.Length - i)))}");
                bytes.Add(b);
                i += 2;
            }
            else
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
