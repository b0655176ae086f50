using System.Globalization;
using System.Text;

namespace Sawmill.GoCompat;

/// <summary>Go's reference-time layouts (<c>2006-01-02T15:04:05Z07:00</c>) for formatting and parsing times in templates.</summary>
public static partial class GoTime
{
    // Go's names, in English whatever the culture (12 months: .NET's month-name arrays carry a 13th, empty entry).
    private static readonly string[] LongMonths = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    private static readonly string[] ShortMonths = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    private static readonly string[] LongDays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
    private static readonly string[] ShortDays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

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

    /// <summary>
    /// Go's <c>time.Parse</c>/<c>ParseInLocation</c> as a time value (what sprig's <c>toDate</c> and Loki's
    /// <c>toDateInZone</c> return): the offset is the value's zone or <paramref name="zone"/>'s.
    /// </summary>
    public static bool TryParseTime(string value, string layout, TimeZoneInfo zone, out DateTimeOffset result)
    {
        result = default;
        if (!TryParse(value, layout, zone, out var ns, out var offset, out _))
            return false;
        result = new DateTimeOffset(DateTime.UnixEpoch.Ticks + ns / 100, TimeSpan.Zero).ToOffset(offset);
        return true;
    }

    /// <summary>RFC 3339 in UTC with fraction trimmed as Go's <c>time.RFC3339Nano</c> prints it.</summary>
    public static string FormatRfc3339Nano(DateTime t) =>
        FormatRfc3339Nano((t.ToUniversalTime().Ticks - DateTime.UnixEpoch.Ticks) * 100);

    /// <summary>Unix nanoseconds as Go's <c>time.RFC3339Nano</c> prints them in UTC (trailing zeros of the fraction trimmed).</summary>
    public static string FormatRfc3339Nano(long unixNs)
    {
        var seconds = Math.DivRem(unixNs, 1_000_000_000L, out var frac);
        if (frac < 0)
        {
            frac += 1_000_000_000L;
            seconds--;
        }
        var text = DateTime.UnixEpoch.AddSeconds(seconds).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        return frac == 0 ? text + "Z" : text + "." + frac.ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0') + "Z";
    }
}
