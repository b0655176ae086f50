using System.Globalization;

namespace Sawmill.GoCompat;

/// <summary>
/// Parses times with Go's reference-time layouts (<c>2006-01-02T15:04:05.999999999Z07:00</c>) the way Go's
/// <c>time.Parse</c> does: the layout is walked chunk by chunk (January/Jan/1/01, Monday/Mon, 2/_2/02, 002,
/// 15/3/03, 4/04, 5/05, 2006/06, PM/pm, MST, Z07:00-style and -0700-style zones, .000/.999 fractions);
/// other layout characters must appear literally. As in Go, a fraction after the seconds is accepted even when the
/// layout has none. Results are Unix nanoseconds (full precision) and the zone offset that applied. This is the one
/// time parser: LogQL's <c>toDate</c>, the agent's timestamp stage and the CRI/docker stages use it.
/// </summary>
public static partial class GoTime
{
    /// <summary>Go's named layouts, as Promtail's timestamp stage accepts them.</summary>
    public static readonly IReadOnlyDictionary<string, string> Named = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["ANSIC"] = "Mon Jan _2 15:04:05 2006",
        ["UnixDate"] = "Mon Jan _2 15:04:05 MST 2006",
        ["RubyDate"] = "Mon Jan 02 15:04:05 -0700 2006",
        ["RFC822"] = "02 Jan 06 15:04 MST",
        ["RFC822Z"] = "02 Jan 06 15:04 -0700",
        ["RFC850"] = "Monday, 02-Jan-06 15:04:05 MST",
        ["RFC1123"] = "Mon, 02 Jan 2006 15:04:05 MST",
        ["RFC1123Z"] = "Mon, 02 Jan 2006 15:04:05 -0700",
        ["RFC3339"] = "2006-01-02T15:04:05Z07:00",
        ["RFC3339Nano"] = "2006-01-02T15:04:05.999999999Z07:00",
        ["Layout"] = "01/02 03:04:05PM '06 -0700",
        ["Kitchen"] = "3:04PM",
        ["Stamp"] = "Jan _2 15:04:05",
        ["StampMilli"] = "Jan _2 15:04:05.000",
        ["StampMicro"] = "Jan _2 15:04:05.000000",
        ["StampNano"] = "Jan _2 15:04:05.000000000",
        ["DateTime"] = "2006-01-02 15:04:05",
        ["DateOnly"] = "2006-01-02",
        ["TimeOnly"] = "15:04:05",
    };


    private enum Chunk
    {
        None, LongMonth, Month, NumMonth, ZeroMonth, LongWeekDay, WeekDay, Day, UnderDay, ZeroDay, UnderYearDay, ZeroYearDay,
        Hour, Hour12, ZeroHour12, Minute, ZeroMinute, Second, ZeroSecond, LongYear, Year, PM, pm, TZ,
        ISO8601TZ, ISO8601SecondsTZ, ISO8601ShortTZ, ISO8601ColonTZ, ISO8601ColonSecondsTZ,
        NumTZ, NumSecondsTz, NumShortTZ, NumColonTZ, NumColonSecondsTZ, FracSecond0, FracSecond9,
    }

    /// <summary>
    /// Parses <paramref name="value"/>; a layout without a zone uses <paramref name="location"/> (UTC when null), and a
    /// layout without a year gets <paramref name="yearIfMissing"/> (Go leaves year 0, which .NET cannot hold; Promtail
    /// passes the current year).
    /// </summary>
    public static bool TryParse(string value, string layout, TimeZoneInfo? location, out long unixNs, out string? error, int yearIfMissing = 1) =>
        TryParse(value, layout, location, out unixNs, out _, out error, yearIfMissing);

    /// <inheritdoc cref="TryParse(string, string, TimeZoneInfo?, out long, out string?, int)"/>
    public static bool TryParse(string value, string layout, TimeZoneInfo? location, out long unixNs, out TimeSpan offset, out string? error, int yearIfMissing = 1)
    {
        unixNs = 0;
        offset = TimeSpan.Zero;
        error = null;
        int year = 0, month = -1, day = -1, yday = -1, hour = 0, min = 0, sec = 0;
        long nsec = 0;
        bool pmSet = false, amSet = false;
        TimeSpan? zoneOffset = null;
        var v = value.AsSpan();
        var l = layout.AsSpan();
        while (true)
        {
            var (prefixLength, chunk, chunkLength, fracDigits) = NextChunk(l);
            var prefix = l[..prefixLength];
            if (!v.StartsWith(prefix, StringComparison.Ordinal))
                return Fail(out error, value, layout, $"cannot parse \"{v.ToString()}\" as \"{prefix.ToString()}\"");
            v = v[prefix.Length..];
            if (chunk == Chunk.None)
            {
                if (!v.IsEmpty)
                    return Fail(out error, value, layout, $"extra text: \"{v.ToString()}\"");
                break;
            }
            l = l[(prefixLength + chunkLength)..];
            var ok = true;
            switch (chunk)
            {
                case Chunk.LongYear:
                    ok = v.Length >= 4 && Digits(v[..4], out year);
                    v = ok ? v[4..] : v;
                    break;
                case Chunk.Year:
                    ok = v.Length >= 2 && Digits(v[..2], out year);
                    if (ok)
                    {
                        year += year >= 69 ? 1900 : 2000;
                        v = v[2..];
                    }
                    break;
                case Chunk.LongMonth:
                    ok = Lookup(LongMonths, ref v, out month);
                    month++;
                    break;
                case Chunk.Month:
                    ok = Lookup(ShortMonths, ref v, out month);
                    month++;
                    break;
                case Chunk.NumMonth:
                case Chunk.ZeroMonth:
                    ok = Num(ref v, chunk == Chunk.ZeroMonth, out month) && month is >= 1 and <= 12;
                    break;
                case Chunk.LongWeekDay:
                    ok = Lookup(LongDays, ref v, out _);
                    break;
                case Chunk.WeekDay:
                    ok = Lookup(ShortDays, ref v, out _);
                    break;
                case Chunk.Day:
                case Chunk.UnderDay:
                case Chunk.ZeroDay:
                    if (chunk == Chunk.UnderDay && !v.IsEmpty && v[0] == ' ')
                        v = v[1..];
                    ok = Num(ref v, chunk == Chunk.ZeroDay, out day) && day is >= 1 and <= 31;
                    break;
                case Chunk.UnderYearDay:
                case Chunk.ZeroYearDay:
                    while (chunk == Chunk.UnderYearDay && !v.IsEmpty && v[0] == ' ')
                        v = v[1..];
                    ok = NumN(ref v, 3, chunk == Chunk.ZeroYearDay, out yday) && yday is >= 1 and <= 366;
                    break;
                case Chunk.Hour:
                    ok = Num(ref v, false, out hour) && hour is >= 0 and < 24;
                    break;
                case Chunk.Hour12:
                case Chunk.ZeroHour12:
                    ok = Num(ref v, chunk == Chunk.ZeroHour12, out hour) && hour is >= 0 and <= 12;
                    break;
                case Chunk.Minute:
                case Chunk.ZeroMinute:
                    ok = Num(ref v, chunk == Chunk.ZeroMinute, out min) && min is >= 0 and < 60;
                    break;
                case Chunk.Second:
                case Chunk.ZeroSecond:
                    ok = Num(ref v, chunk == Chunk.ZeroSecond, out sec) && sec is >= 0 and < 60;
                    // Go: a fractional second in the value is accepted even if the layout does not ask for one,
                    // unless the layout's next chunk is itself a fraction.
                    if (ok && v.Length >= 2 && v[0] is '.' or ',' && char.IsAsciiDigit(v[1]))
                    {
                        var (_, next, _, _) = NextChunk(l);
                        if (next is not (Chunk.FracSecond0 or Chunk.FracSecond9))
                        {
                            var n = 1;
                            while (n < v.Length && char.IsAsciiDigit(v[n]))
                                n++;
                            nsec = Fraction(v[1..n]);
                            v = v[n..];
                        }
                    }
                    break;
                case Chunk.PM:
                case Chunk.pm:
                    if (v.Length < 2)
                    {
                        ok = false;
                        break;
                    }
                    var ap = v[..2].ToString().ToUpperInvariant();
                    pmSet = ap == "PM";
                    amSet = ap == "AM";
                    ok = pmSet || amSet;
                    v = v[2..];
                    break;
                case Chunk.ISO8601TZ or Chunk.ISO8601ColonTZ or Chunk.ISO8601SecondsTZ or Chunk.ISO8601ShortTZ or Chunk.ISO8601ColonSecondsTZ
                    when !v.IsEmpty && v[0] == 'Z':
                    v = v[1..];
                    zoneOffset = TimeSpan.Zero;
                    break;
                case Chunk.ISO8601TZ or Chunk.ISO8601ColonTZ or Chunk.ISO8601SecondsTZ or Chunk.ISO8601ShortTZ or Chunk.ISO8601ColonSecondsTZ
                    or Chunk.NumTZ or Chunk.NumShortTZ or Chunk.NumColonTZ or Chunk.NumSecondsTz or Chunk.NumColonSecondsTZ:
                    ok = ParseNumericZone(ref v, chunk, out var off);
                    zoneOffset = off;
                    break;
                case Chunk.TZ:
                    if (v.Length >= 3 && v[..3].SequenceEqual("UTC"))
                    {
                        zoneOffset = TimeSpan.Zero;
                        v = v[3..];
                        break;
                    }
                    var z = 0;
                    while (z < v.Length && char.IsAsciiLetterUpper(v[z]))
                        z++;
                    ok = z >= 3;
                    if (ok)
                    {
                        zoneOffset = KnownAbbreviation(v[..z].ToString());
                        v = v[z..];
                        // Go accepts GMT+hh as well.
                    }
                    break;
                case Chunk.FracSecond0:
                {
                    var ndigit = 1 + fracDigits;
                    ok = v.Length >= ndigit && v[0] is '.' or ',';
                    if (ok)
                    {
                        for (var i = 1; i < ndigit; i++)
                            ok &= char.IsAsciiDigit(v[i]);
                        nsec = ok ? Fraction(v[1..ndigit]) : 0;
                        v = v[ndigit..];
                    }
                    break;
                }
                case Chunk.FracSecond9:
                {
                    if (v.Length < 2 || v[0] is not ('.' or ',') || !char.IsAsciiDigit(v[1]))
                        break; // the fraction is optional
                    var n = 1;
                    while (n < v.Length && n < 10 && char.IsAsciiDigit(v[n]))
                        n++;
                    nsec = Fraction(v[1..n]);
                    v = v[n..];
                    break;
                }
            }
            if (!ok)
                return Fail(out error, value, layout, $"cannot parse \"{v.ToString()}\" as \"{Describe(chunk)}\"");
        }
        if (pmSet && hour < 12)
            hour += 12;
        else if (amSet && hour == 12)
            hour = 0;
        if (yday >= 0)
        {
            var d = new DateTime(year == 0 ? yearIfMissing : year, 1, 1).AddDays(yday - 1);
            if (month >= 0 && month != d.Month || day >= 0 && day != d.Day)
                return Fail(out error, value, layout, "day-of-year does not match month and day");
            month = d.Month;
            day = d.Day;
        }
        if (month < 0)
            month = 1;
        if (day < 0)
            day = 1;
        var y = year == 0 ? yearIfMissing : year;
        if (day > DateTime.DaysInMonth(y, month))
            return Fail(out error, value, layout, "day out of range");
        var local = new DateTime(y, month, day, hour, min, sec, DateTimeKind.Unspecified);
        if (zoneOffset is { } zo)
            offset = zo;
        else if (location != null && location != TimeZoneInfo.Utc)
            offset = location.GetUtcOffset(local);
        var ticksUtc = local.Ticks - offset.Ticks;
        unixNs = (ticksUtc - DateTime.UnixEpoch.Ticks) * 100 + nsec;
        return true;
    }

    private static TimeSpan? KnownAbbreviation(string abbr) => abbr switch
    {
        "UTC" or "GMT" or "Z" => TimeSpan.Zero,
        "EST" => TimeSpan.FromHours(-5),
        "EDT" => TimeSpan.FromHours(-4),
        "CST" => TimeSpan.FromHours(-6),
        "CDT" => TimeSpan.FromHours(-5),
        "MST" => TimeSpan.FromHours(-7),
        "MDT" => TimeSpan.FromHours(-6),
        "PST" => TimeSpan.FromHours(-8),
        "PDT" => TimeSpan.FromHours(-7),
        "CET" => TimeSpan.FromHours(1),
        "CEST" => TimeSpan.FromHours(2),
        // Go: an unknown abbreviation yields a fabricated zone with offset 0.
        _ => TimeSpan.Zero,
    };

    private static bool ParseNumericZone(ref ReadOnlySpan<char> v, Chunk chunk, out TimeSpan offset)
    {
        offset = default;
        if (v.IsEmpty || v[0] is not ('+' or '-'))
            return false;
        var sign = v[0] == '-' ? -1 : 1;
        int hh, mm = 0, ss = 0;
        string shape = chunk switch
        {
            Chunk.ISO8601ShortTZ or Chunk.NumShortTZ => "hh",
            Chunk.ISO8601ColonTZ or Chunk.NumColonTZ => "hh:mm",
            Chunk.ISO8601SecondsTZ or Chunk.NumSecondsTz => "hhmmss",
            Chunk.ISO8601ColonSecondsTZ or Chunk.NumColonSecondsTZ => "hh:mm:ss",
            _ => "hhmm",
        };
        if (v.Length < 1 + shape.Length)
            return false;
        var body = v.Slice(1, shape.Length);
        for (var i = 0; i < shape.Length; i++)
            if (shape[i] == ':' ? body[i] != ':' : !char.IsAsciiDigit(body[i]))
                return false;
        hh = int.Parse(body[..2], CultureInfo.InvariantCulture);
        if (shape.Length >= 4)
            mm = int.Parse(shape[2] == ':' ? body[3..5] : body[2..4], CultureInfo.InvariantCulture);
        if (shape.Length >= 6)
            ss = int.Parse(shape[2] == ':' ? body[6..8] : body[4..6], CultureInfo.InvariantCulture);
        offset = new TimeSpan(hh, mm, ss) * sign;
        v = v[(1 + shape.Length)..];
        return true;
    }

    private static long Fraction(ReadOnlySpan<char> digits)
    {
        long n = 0;
        var i = 0;
        for (; i < digits.Length && i < 9; i++)
            n = n * 10 + (digits[i] - '0');
        for (; i < 9; i++)
            n *= 10;
        return n;
    }

    private static bool Digits(ReadOnlySpan<char> s, out int value)
    {
        value = 0;
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c))
                return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }

    /// <summary>Go's getnum: one or two digits, or exactly two when <paramref name="fixedWidth"/>.</summary>
    private static bool Num(ref ReadOnlySpan<char> v, bool fixedWidth, out int value)
    {
        value = 0;
        if (v.IsEmpty || !char.IsAsciiDigit(v[0]))
            return false;
        if (v.Length < 2 || !char.IsAsciiDigit(v[1]))
        {
            if (fixedWidth)
                return false;
            value = v[0] - '0';
            v = v[1..];
            return true;
        }
        value = (v[0] - '0') * 10 + (v[1] - '0');
        v = v[2..];
        return true;
    }

    private static bool NumN(ref ReadOnlySpan<char> v, int n, bool fixedWidth, out int value)
    {
        value = 0;
        var i = 0;
        while (i < v.Length && i < n && char.IsAsciiDigit(v[i]))
        {
            value = value * 10 + (v[i] - '0');
            i++;
        }
        if (i == 0 || fixedWidth && i != n)
            return false;
        v = v[i..];
        return true;
    }

    private static bool Lookup(string[] table, ref ReadOnlySpan<char> v, out int index)
    {
        for (var i = 0; i < table.Length; i++)
        {
            if (v.Length >= table[i].Length && v[..table[i].Length].Equals(table[i], StringComparison.OrdinalIgnoreCase))
            {
                v = v[table[i].Length..];
                index = i;
                return true;
            }
        }
        index = -1;
        return false;
    }

    private static bool Fail(out string? error, string value, string layout, string detail)
    {
        error = $"parsing time \"{value}\" as \"{layout}\": {detail}";
        return false;
    }

    private static string Describe(Chunk c) => c.ToString();

    /// <summary>Go's nextStdChunk: the literal prefix, the next standard chunk, and the rest of the layout.</summary>
    private static (int PrefixLength, Chunk Chunk, int ChunkLength, int FracDigits) NextChunk(ReadOnlySpan<char> l)
    {
        for (var i = 0; i < l.Length; i++)
        {
            var (chunk, len, frac) = Match(l[i..]);
            if (chunk != Chunk.None)
                return (i, chunk, len, frac);
        }
        return (l.Length, Chunk.None, 0, 0);
    }

    private static (Chunk, int, int) Match(ReadOnlySpan<char> s)
    {
        switch (s[0])
        {
            case 'J':
                if (s.StartsWith("January"))
                    return (Chunk.LongMonth, 7, 0);
                if (s.StartsWith("Jan"))
                    return (Chunk.Month, 3, 0);
                break;
            case 'M':
                if (s.StartsWith("Monday"))
                    return (Chunk.LongWeekDay, 6, 0);
                if (s.StartsWith("Mon"))
                    return (Chunk.WeekDay, 3, 0);
                if (s.StartsWith("MST"))
                    return (Chunk.TZ, 3, 0);
                break;
            case '0':
                if (s.Length >= 2 && s[1] is >= '1' and <= '6')
                    return (s[1] switch { '1' => Chunk.ZeroMonth, '2' => Chunk.ZeroDay, '3' => Chunk.ZeroHour12, '4' => Chunk.ZeroMinute, '5' => Chunk.ZeroSecond, _ => Chunk.Year }, 2, 0);
                if (s.StartsWith("002"))
                    return (Chunk.ZeroYearDay, 3, 0);
                break;
            case '1':
                if (s.StartsWith("15"))
                    return (Chunk.Hour, 2, 0);
                return (Chunk.NumMonth, 1, 0);
            case '2':
                if (s.StartsWith("2006"))
                    return (Chunk.LongYear, 4, 0);
                return (Chunk.Day, 1, 0);
            case '_':
                if (s.StartsWith("_2"))
                {
                    if (s.StartsWith("_2006"))
                        return (Chunk.None, 0, 0); // Go: "_" then a year
                    return (Chunk.UnderDay, 2, 0);
                }
                if (s.StartsWith("__2"))
                    return (Chunk.UnderYearDay, 3, 0);
                break;
            case '3':
                return (Chunk.Hour12, 1, 0);
            case '4':
                return (Chunk.Minute, 1, 0);
            case '5':
                return (Chunk.Second, 1, 0);
            case 'P':
                if (s.StartsWith("PM"))
                    return (Chunk.PM, 2, 0);
                break;
            case 'p':
                if (s.StartsWith("pm"))
                    return (Chunk.pm, 2, 0);
                break;
            case '-':
                if (s.StartsWith("-07:00:00"))
                    return (Chunk.NumColonSecondsTZ, 9, 0);
                if (s.StartsWith("-0700"))
                    return s.StartsWith("-070000") ? (Chunk.NumSecondsTz, 7, 0) : (Chunk.NumTZ, 5, 0);
                if (s.StartsWith("-07:00"))
                    return (Chunk.NumColonTZ, 6, 0);
                if (s.StartsWith("-07"))
                    return (Chunk.NumShortTZ, 3, 0);
                break;
            case 'Z':
                if (s.StartsWith("Z07:00:00"))
                    return (Chunk.ISO8601ColonSecondsTZ, 9, 0);
                if (s.StartsWith("Z070000"))
                    return (Chunk.ISO8601SecondsTZ, 7, 0);
                if (s.StartsWith("Z0700"))
                    return (Chunk.ISO8601TZ, 5, 0);
                if (s.StartsWith("Z07:00"))
                    return (Chunk.ISO8601ColonTZ, 6, 0);
                if (s.StartsWith("Z07"))
                    return (Chunk.ISO8601ShortTZ, 3, 0);
                break;
            case '.':
            case ',':
                // .000 or .999: a run of 0s or 9s after a period, not followed by a digit.
                if (s.Length >= 2 && s[1] is '0' or '9')
                {
                    var d = s[1];
                    var j = 1;
                    while (j < s.Length && s[j] == d)
                        j++;
                    if (j >= s.Length || !char.IsAsciiDigit(s[j]))
                        return (d == '0' ? Chunk.FracSecond0 : Chunk.FracSecond9, j, j - 1);
                }
                break;
        }
        return (Chunk.None, 0, 0);
    }
}
