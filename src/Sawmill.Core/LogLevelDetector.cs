using System.Text;

namespace Sawmill.Core;

/// <summary>
/// The log level of an entry, found the way Loki 3's distributor finds <c>detected_level</c>: from a level label of the
/// stream or of the entry's structured metadata, else from the line — a JSON object's level field (two levels deep),
/// a logfmt pair, or else the first level word standing alone in the text. Levels are normalised to
/// trace, debug, info, warn, error, critical, fatal; a value that is none of them is kept as written, and a line
/// with no level is <c>unknown</c>.
/// </summary>
public static class LogLevelDetector
{
    public const string Label = "detected_level";
    public const string Unknown = "unknown";

    /// <summary>Loki's <c>log_level_fields</c> default, in its order of preference.</summary>
    public static readonly IReadOnlyList<string> DefaultFields =
    [
        "level", "LEVEL", "Level", "log.level", "severity", "SEVERITY", "Severity", "SeverityText", "lvl", "LVL", "Lvl",
        "severity_text", "Severity_Text", "SEVERITY_TEXT",
    ];

    // Loki tries the words in this order and keeps the earliest occurrence.
    private static readonly (byte[] Word, string Level)[] Words =
    [
        ("trace"u8.ToArray(), "trace"), ("debug"u8.ToArray(), "debug"), ("fatal"u8.ToArray(), "fatal"),
        ("critical"u8.ToArray(), "critical"), ("error"u8.ToArray(), "error"), ("err"u8.ToArray(), "error"),
        ("warning"u8.ToArray(), "warn"), ("warn"u8.ToArray(), "warn"), ("info"u8.ToArray(), "info"),
    ];

    /// <summary>The level of an entry; <paramref name="labels"/> are the stream's, <paramref name="metadata"/> the entry's.</summary>
    public static string Detect(Labels labels, Label[]? metadata, ReadOnlySpan<byte> line, IReadOnlyList<string> fields, int jsonMaxDepth)
    {
        foreach (var f in fields)
            if (labels.Get(f) is { } v)
                return Normalize(v);
        if (metadata != null)
        {
            foreach (var f in fields)
                foreach (var m in metadata)
                    if (m.Name == f)
                        return Normalize(m.Value);
            foreach (var m in metadata)
                if (m.Name == "severity_number")
                    return FromSeverityNumber(m.Value);
        }
        return FromLine(line, fields, jsonMaxDepth);
    }

    /// <summary>Loki's normalisation: known level words (and trc, dbg, inf, information, wrn, warning, err) in any case.</summary>
    public static string Normalize(string level) => Ascii.IsValid(level) ? Known(Encoding.ASCII.GetBytes(level)) ?? level : level;

    private static string? Known(ReadOnlySpan<byte> v)
    {
        static bool Is(ReadOnlySpan<byte> v, string w) => Ascii.EqualsIgnoreCase(v, w);
        if (Is(v, "trace") || Is(v, "trc"))
            return "trace";
        if (Is(v, "debug") || Is(v, "dbg"))
            return "debug";
        if (Is(v, "info") || Is(v, "inf") || Is(v, "information"))
            return "info";
        if (Is(v, "warn") || Is(v, "wrn") || Is(v, "warning"))
            return "warn";
        if (Is(v, "error") || Is(v, "err"))
            return "error";
        if (Is(v, "critical"))
            return "critical";
        if (Is(v, "fatal"))
            return "fatal";
        return null;
    }

    /// <summary>OpenTelemetry severity numbers: 1-4 trace, 5-8 debug, 9-12 info, 13-16 warn, 17-20 error, 21-24 fatal.</summary>
    private static string FromSeverityNumber(string text)
    {
        if (!int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n))
            return "info";
        return n switch
        {
            <= 0 => Unknown,
            <= 4 => "trace",
            <= 8 => "debug",
            <= 12 => "info",
            <= 16 => "warn",
            <= 20 => "error",
            <= 24 => "fatal",
            _ => Unknown,
        };
    }

    public static string FromLine(ReadOnlySpan<byte> line, IReadOnlyList<string> fields, int jsonMaxDepth)
    {
        ReadOnlySpan<byte> value = default;
        if (IsJson(line))
            value = JsonLevel(line, fields, jsonMaxDepth);
        else if (line.IndexOf((byte)'=') >= 0)
            value = LogfmtLevel(line, fields);
        else
            return FromWords(line);
        return Known(value) ?? FromWords(line);
    }

    private static bool IsJson(ReadOnlySpan<byte> line)
    {
        var t = line.TrimStart(" \t\n\r\v\f"u8).TrimEnd(" \t\n\r\v\f"u8);
        return t.Length > 0 && t[0] == '{' && t[^1] == '}';
    }

    /// <summary>The first pair whose key matches a field (ignoring case), preferring earlier fields.</summary>
    private static ReadOnlySpan<byte> LogfmtLevel(ReadOnlySpan<byte> line, IReadOnlyList<string> fields)
    {
        var scanner = new LogfmtScanner(line);
        ReadOnlySpan<byte> result = default;
        var best = fields.Count;
        while (scanner.Next())
        {
            for (var x = 0; x < best; x++)
            {
                if (!Ascii.EqualsIgnoreCase(scanner.Key, fields[x]))
                    continue;
                result = scanner.RawValue;
                best = x;
                if (x == 0)
                    return result;
                break;
            }
        }
        return result;
    }

    /// <summary>The first string member (in line order) whose key is one of the fields, at most maxDepth objects deep.</summary>
    private static ReadOnlySpan<byte> JsonLevel(ReadOnlySpan<byte> line, IReadOnlyList<string> fields, int maxDepth)
    {
        var i = 0;
        return JsonObject(line, ref i, 0, fields, maxDepth, out var found) ? line.Slice(found.Start, found.Length) : default;
    }

    private static bool JsonObject(ReadOnlySpan<byte> s, ref int i, int depth, IReadOnlyList<string> fields, int maxDepth, out (int Start, int Length) found)
    {
        found = default;
        if (maxDepth > 0 && depth >= maxDepth)
            return false;
        SkipSpace(s, ref i);
        if (i >= s.Length || s[i] != '{')
            return false;
        i++;
        while (true)
        {
            SkipSpace(s, ref i);
            if (i >= s.Length || s[i] == '}')
                return false;
            if (s[i] == ',')
            {
                i++;
                continue;
            }
            if (!JsonString(s, ref i, out var key))
                return false;
            SkipSpace(s, ref i);
            if (i >= s.Length || s[i] != ':')
                return false;
            i++;
            SkipSpace(s, ref i);
            if (i >= s.Length)
                return false;
            if (s[i] == '"')
            {
                var valueStart = i + 1;
                if (!JsonString(s, ref i, out var value))
                    return false;
                foreach (var f in fields)
                {
                    if (Ascii.Equals(key, f))
                    {
                        found = (valueStart, value.Length);
                        return true;
                    }
                }
            }
            else if (s[i] == '{')
            {
                var start = i;
                if (JsonObject(s, ref i, depth + 1, fields, maxDepth, out found))
                    return true;
                i = start;
                if (!SkipValue(s, ref i))
                    return false;
            }
            else if (!SkipValue(s, ref i))
            {
                return false;
            }
        }
    }

    private static void SkipSpace(ReadOnlySpan<byte> s, ref int i)
    {
        while (i < s.Length && s[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
            i++;
    }

    /// <summary>A JSON string at i: its content between the quotes, escapes kept.</summary>
    private static bool JsonString(ReadOnlySpan<byte> s, ref int i, out ReadOnlySpan<byte> content)
    {
        content = default;
        if (i >= s.Length || s[i] != '"')
            return false;
        var start = ++i;
        while (i < s.Length)
        {
            if (s[i] == '\\')
            {
                i += 2;
                continue;
            }
            if (s[i] == '"')
            {
                content = s[start..i];
                i++;
                return true;
            }
            i++;
        }
        return false;
    }

    private static bool SkipValue(ReadOnlySpan<byte> s, ref int i)
    {
        var depth = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (c == '"')
            {
                if (!JsonString(s, ref i, out _))
                    return false;
                if (depth == 0)
                    return true;
                continue;
            }
            if (c is (byte)'{' or (byte)'[')
            {
                depth++;
            }
            else if (c is (byte)'}' or (byte)']')
            {
                if (depth == 0)
                    return true;
                depth--;
                if (depth == 0)
                {
                    i++;
                    return true;
                }
            }
            else if (depth == 0 && c == ',')
            {
                return true;
            }
            i++;
        }
        return depth == 0;
    }

    /// <summary>The earliest level word that stands alone (Loki's word boundaries), ignoring case.</summary>
    private static string FromWords(ReadOnlySpan<byte> line)
    {
        var best = int.MaxValue;
        var level = Unknown;
        foreach (var (word, l) in Words)
        {
            var pos = IndexOfBounded(line, word);
            if (pos < 0 || pos >= best)
                continue;
            best = pos;
            level = l;
            if (pos == 0)
                break;
        }
        return level;
    }

    private static int IndexOfBounded(ReadOnlySpan<byte> line, byte[] w)
    {
        for (var offset = 0; offset + w.Length <= line.Length; offset++)
        {
            var at = IndexOfIgnoreCase(line[offset..], w);
            if (at < 0)
                return -1;
            var abs = offset + at;
            if (LeftBoundary(line, abs - 1) && RightBoundary(line, abs + w.Length))
                return abs;
            offset = abs;
        }
        return -1;
    }

    private static int IndexOfIgnoreCase(ReadOnlySpan<byte> s, ReadOnlySpan<byte> lowerWord)
    {
        for (var i = 0; i + lowerWord.Length <= s.Length; i++)
        {
            if ((s[i] | 0x20) != lowerWord[0])
                continue;
            if (Ascii.EqualsIgnoreCase(s.Slice(i, lowerWord.Length), lowerWord))
                return i;
        }
        return -1;
    }

    private static bool LeftBoundary(ReadOnlySpan<byte> s, int pos) =>
        pos < 0 || pos >= s.Length || s[pos] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'[' or (byte)'(' or (byte)'{' or (byte)'"' or (byte)'=';

    private static bool RightBoundary(ReadOnlySpan<byte> s, int pos) =>
        pos < 0 || pos >= s.Length || s[pos] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'[' or (byte)']' or (byte)'(' or (byte)')' or
            (byte)'{' or (byte)'}' or (byte)':' or (byte)',' or (byte)'!' or (byte)'"' or (byte)'=';
}
