using System.Globalization;
using System.Text;

namespace Sawmill.LogQL.Log;

/// <summary>Go's reference-time layouts (<c>2006-01-02T15:04:05Z07:00</c>) for formatting and parsing times in templates.</summary>
internal static class GoTime
{
    private static readonly string[] LongDays = CultureInfo.InvariantCulture.DateTimeFormat.DayNames;
    private static readonly string[] ShortDays = CultureInfo.InvariantCulture.DateTimeFormat.AbbreviatedDayNames;
    private static readonly string[] LongMonths = CultureInfo.InvariantCulture.DateTimeFormat.MonthNames;
    private static readonly string[] ShortMonths = CultureInfo.InvariantCulture.DateTimeFormat.AbbreviatedMonthNames;

    /// <summary>The layout element at <paramref name="i"/>, or null for a literal character.</summary>
    private static string? Token(string layout, int i)
    {
        var rest = layout.AsSpan(i);
        string[] candidates =
        [
            "January", "Jan", "Monday", "Mon", "MST", "2006", "002", "01", "02", "03", "04", "05", "06", "15", "__2", "_2",
            "-07:00:00", "-070000", "-07:00", "-0700", "-07", "Z07:00:00", "Z070000", "Z07:00", "Z0700", "Z07", "PM", "pm",
            "1", "2", "3", "4", "5",
        ];
        foreach (var c in candidates)
        {
            if (!rest.StartsWith(c, StringComparison.Ordinal))
                continue;
            // Go: "Jan"/"Mon" must not be followed by a lower-case letter ("Janet" is literal).
            if (c is "Jan" or "Mon" && rest.Length > 3 && char.IsAsciiLetterLower(rest[3]))
                return null;
            return c;
        }
        if (rest.Length >= 2 && rest[0] is '.' or ',' && rest[1] is '0' or '9')
        {
            var j = 1;
            while (j < rest.Length && rest[j] == rest[1])
                j++;
            if (j >= rest.Length || !char.IsAsciiDigit(rest[j]))
                return rest[..j].ToString();
        }
        return null;
    }

    public static string Format(DateTimeOffset t, string layout)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < layout.Length;)
        {
            var tok = Token(layout, i);
            if (tok == null)
            {
                sb.Append(layout[i++]);
                continue;
            }
            i += tok.Length;
            var off = t.Offset;
            switch (tok)
            {
                case "January": sb.Append(LongMonths[t.Month - 1]); break;
                case "Jan": sb.Append(ShortMonths[t.Month - 1]); break;
                case "Monday": sb.Append(LongDays[(int)t.DayOfWeek]); break;
                case "Mon": sb.Append(ShortDays[(int)t.DayOfWeek]); break;
                case "MST": sb.Append(off == TimeSpan.Zero ? "UTC" : OffsetText(off, "", false)); break;
                case "2006": sb.Append(t.Year.ToString("D4", CultureInfo.InvariantCulture)); break;
                case "06": sb.Append((t.Year % 100).ToString("D2", CultureInfo.InvariantCulture)); break;
                case "002": sb.Append(t.DayOfYear.ToString("D3", CultureInfo.InvariantCulture)); break;
                case "01": sb.Append(t.Month.ToString("D2", CultureInfo.InvariantCulture)); break;
                case "1": sb.Append(t.Month); break;
                case "02": sb.Append(t.Day.ToString("D2", CultureInfo.InvariantCulture)); break;
                case "2": sb.Append(t.Day); break;
                case "_2": sb.Append(t.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2)); break;
                case "__2": sb.Append(t.DayOfYear.ToString(CultureInfo.InvariantCulture).PadLeft(3)); break;
                case "15": sb.Append(t.Hour.ToString("D2", CultureInfo.InvariantCulture)); break;
                case "03": sb.Append(Hour12(t).ToString("D2", CultureInfo.InvariantCulture)); break;
                case "3": sb.Append(Hour12(t)); break;
                case "04": sb.Append(t.Minute.ToString("D2", CultureInfo.InvariantCulture)); break;
                case "4": sb.Append(t.Minute); break;
                case "05": sb.Append(t.Second.ToString("D2", CultureInfo.InvariantCulture)); break;
                case "5": sb.Append(t.Second); break;
                case "PM": sb.Append(t.Hour >= 12 ? "PM" : "AM"); break;
                case "pm": sb.Append(t.Hour >= 12 ? "pm" : "am"); break;
                case "-07:00:00": sb.Append(OffsetText(off, ":", true)); break;
                case "-070000": sb.Append(OffsetText(off, "", true)); break;
                case "-07:00": sb.Append(OffsetText(off, ":", false)); break;
                case "-0700": sb.Append(OffsetText(off, "", false)); break;
                case "-07": sb.Append(OffsetText(off, "", false)[..3]); break;
                case "Z07:00:00": sb.Append(off == TimeSpan.Zero ? "Z" : OffsetText(off, ":", true)); break;
                case "Z070000": sb.Append(off == TimeSpan.Zero ? "Z" : OffsetText(off, "", true)); break;
                case "Z07:00": sb.Append(off == TimeSpan.Zero ? "Z" : OffsetText(off, ":", false)); break;
                case "Z0700": sb.Append(off == TimeSpan.Zero ? "Z" : OffsetText(off, "", false)); break;
                case "Z07": sb.Append(off == TimeSpan.Zero ? "Z" : OffsetText(off, "", false)[..3]); break;
                default:
                    // Fractional seconds: .000 fixed width, .999 trimmed (dropped entirely when zero).
                    var digits = tok.Length - 1;
                    var ns = (t.Ticks % TimeSpan.TicksPerSecond) * 100;
                    var frac = ns.ToString("D9", CultureInfo.InvariantCulture)[..Math.Min(9, digits)];
                    if (tok[1] == '9')
                    {
                        frac = frac.TrimEnd('0');
                        if (frac.Length == 0)
                            break;
                    }
                    sb.Append(tok[0]).Append(frac);
                    break;
            }
        }
        return sb.ToString();
    }

    private static int Hour12(DateTimeOffset t) => t.Hour % 12 == 0 ? 12 : t.Hour % 12;

    private static string OffsetText(TimeSpan off, string sep, bool seconds)
    {
        var sign = off < TimeSpan.Zero ? '-' : '+';
        var a = off.Duration();
        var s = $"{sign}{a.Hours:D2}{sep}{a.Minutes:D2}";
        return seconds ? s + sep + a.Seconds.ToString("D2", CultureInfo.InvariantCulture) : s;
    }

    /// <summary>Go's <c>time.ParseInLocation</c> for the common layout elements; false when the value does not fit the layout.</summary>
    public static bool TryParse(string layout, string value, TimeZoneInfo zone, out DateTimeOffset result)
    {
        result = default;
        int year = 1, month = 1, day = 1, hour = 0, minute = 0, second = 0;
        long nanos = 0;
        var pm = -1;
        TimeSpan? offset = null;
        var v = 0;
        for (var i = 0; i < layout.Length;)
        {
            var tok = Token(layout, i);
            if (tok == null)
            {
                if (v >= value.Length || value[v] != layout[i])
                    return false;
                v++;
                i++;
                continue;
            }
            i += tok.Length;
            switch (tok)
            {
                case "January":
                case "Jan":
                    var names = tok == "Jan" ? ShortMonths : LongMonths;
                    var found = false;
                    for (var m = 0; m < 12; m++)
                    {
                        if (names[m].Length > 0 && string.CompareOrdinal(value, v, names[m], 0, names[m].Length) == 0)
                        {
                            month = m + 1;
                            v += names[m].Length;
                            found = true;
                            break;
                        }
                    }
                    if (!found)
                        return false;
                    break;
                case "Monday":
                case "Mon":
                    var dnames = tok == "Mon" ? ShortDays : LongDays;
                    var dfound = false;
                    foreach (var dn in dnames)
                    {
                        if (string.CompareOrdinal(value, v, dn, 0, dn.Length) == 0)
                        {
                            v += dn.Length;
                            dfound = true;
                            break;
                        }
                    }
                    if (!dfound)
                        return false;
                    break;
                case "MST":
                    var zs = v;
                    while (v < value.Length && char.IsAsciiLetterUpper(value[v]))
                        v++;
                    if (v - zs < 3)
                        return false;
                    if (value[zs..v] == "UTC" || value[zs..v] == "GMT")
                        offset = TimeSpan.Zero;
                    break;
                case "2006":
                    if (!Digits(value, ref v, 4, 4, out year))
                        return false;
                    break;
                case "06":
                    if (!Digits(value, ref v, 2, 2, out var y2))
                        return false;
                    year = y2 >= 69 ? 1900 + y2 : 2000 + y2;
                    break;
                case "01":
                    if (!Digits(value, ref v, 2, 2, out month))
                        return false;
                    break;
                case "1":
                    if (!Digits(value, ref v, 1, 2, out month))
                        return false;
                    break;
                case "02":
                    if (!Digits(value, ref v, 2, 2, out day))
                        return false;
                    break;
                case "_2":
                    if (v < value.Length && value[v] == ' ')
                        v++;
                    if (!Digits(value, ref v, 1, 2, out day))
                        return false;
                    break;
                case "2":
                    if (!Digits(value, ref v, 1, 2, out day))
                        return false;
                    break;
                case "002":
                case "__2":
                    while (v < value.Length && value[v] == ' ')
                        v++;
                    if (!Digits(value, ref v, 1, 3, out _))
                        return false;
                    break;
                case "15":
                    if (!Digits(value, ref v, 1, 2, out hour))
                        return false;
                    break;
                case "03":
                case "3":
                    if (!Digits(value, ref v, tok.Length, 2, out hour))
                        return false;
                    break;
                case "04":
                case "4":
                    if (!Digits(value, ref v, tok.Length, 2, out minute))
                        return false;
                    break;
                case "05":
                case "5":
                    if (!Digits(value, ref v, tok.Length, 2, out second))
                        return false;
                    // Go accepts a fractional second after seconds even when the layout has none.
                    if (v + 1 < value.Length && value[v] == '.' && char.IsAsciiDigit(value[v + 1]) && (i >= layout.Length || layout[i] != '.'))
                    {
                        v++;
                        nanos = Fraction(value, ref v);
                    }
                    break;
                case "PM":
                case "pm":
                    if (v + 2 > value.Length)
                        return false;
                    var ap = value.Substring(v, 2).ToUpperInvariant();
                    if (ap is not ("AM" or "PM"))
                        return false;
                    pm = ap == "PM" ? 1 : 0;
                    v += 2;
                    break;
                default:
                    if (tok[0] is '.' or ',')
                    {
                        if (v >= value.Length || value[v] != tok[0])
                        {
                            if (tok[1] == '9')
                                break;
                            return false;
                        }
                        v++;
                        nanos = Fraction(value, ref v);
                        break;
                    }
                    // Zone offsets.
                    if (tok[0] == 'Z' && v < value.Length && value[v] == 'Z')
                    {
                        v++;
                        offset = TimeSpan.Zero;
                        break;
                    }
                    if (v >= value.Length || value[v] is not ('+' or '-'))
                        return false;
                    var neg = value[v] == '-';
                    v++;
                    if (!Digits(value, ref v, 2, 2, out var oh))
                        return false;
                    var om = 0;
                    if (tok.Contains(":00", StringComparison.Ordinal) || tok.EndsWith("0700", StringComparison.Ordinal) || tok.EndsWith("070000", StringComparison.Ordinal))
                    {
                        if (tok.Contains(':') && (v >= value.Length || value[v++] != ':'))
                            return false;
                        if (!Digits(value, ref v, 2, 2, out om))
                            return false;
                    }
                    var o = new TimeSpan(oh, om, 0);
                    offset = neg ? -o : o;
                    break;
            }
        }
        if (v != value.Length)
            return false;
        if (pm == 1 && hour < 12)
            hour += 12;
        else if (pm == 0 && hour == 12)
            hour = 0;
        try
        {
            var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).AddTicks(nanos / 100);
            var off = offset ?? zone.GetUtcOffset(local);
            result = new DateTimeOffset(local, off);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    private static long Fraction(string value, ref int v)
    {
        var start = v;
        while (v < value.Length && char.IsAsciiDigit(value[v]))
            v++;
        var digits = value[start..v];
        if (digits.Length > 9)
            digits = digits[..9];
        return long.Parse(digits.PadRight(9, '0'), CultureInfo.InvariantCulture);
    }

    private static bool Digits(string s, ref int v, int min, int max, out int value)
    {
        value = 0;
        var start = v;
        while (v < s.Length && v - start < max && char.IsAsciiDigit(s[v]))
            value = value * 10 + (s[v++] - '0');
        return v - start >= min;
    }
}
