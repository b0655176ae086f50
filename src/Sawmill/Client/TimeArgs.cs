using System.Globalization;
using Sawmill.GoCompat;

namespace Sawmill.Client;

/// <summary>Parses the client's time flags as logcli does: RFC3339(Nano) with or without a zone (none = the output timezone), or Unix seconds/nanoseconds.</summary>
internal static class TimeArgs
{
    public static long ParseNs(string text, bool utc)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
            return text.Length > 12 ? n : n * Core.TimeNs.PerSecond;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var secs))
            return (long)(secs * Core.TimeNs.PerSecond);
        var hasZone = text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && (text[^6] is '+' or '-') && text[^3] == ':');
        var styles = DateTimeStyles.AllowWhiteSpaces | (hasZone ? DateTimeStyles.AdjustToUniversal : utc ? DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal : DateTimeStyles.AssumeLocal | DateTimeStyles.AdjustToUniversal);
        // Keep nanosecond precision: parse the fraction ourselves.
        var fraction = 0L;
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var core = text;
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
                end++;
            var digits = text[(dot + 1)..end].PadRight(9, '0')[..9];
            fraction = long.Parse(digits, CultureInfo.InvariantCulture);
            core = text[..dot] + text[end..];
        }
        if (!DateTime.TryParse(core, CultureInfo.InvariantCulture, styles, out var dt))
            throw new ClientException($"invalid time \"{text}\": use RFC3339, e.g. 2021-01-19T10:00:00Z", ExitCodes.Usage);
        return Core.TimeNs.FromDateTime(DateTime.SpecifyKind(dt, DateTimeKind.Utc)) + fraction;
    }

    public static TimeSpan ParseDuration(string text)
    {
        if (!GoDuration.TryParse(text, out var ns))
            throw new ClientException($"invalid duration \"{text}\": use e.g. 30s, 5m, 1h", ExitCodes.Usage);
        return TimeSpan.FromTicks(ns / 100);
    }
}
