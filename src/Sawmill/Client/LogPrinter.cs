using System.Globalization;
using System.Text;
using System.Text.Json;
using Sawmill.GoCompat;

namespace Sawmill.Client;

/// <summary>
/// Prints log entries as logcli does: <c>default</c> (timestamp, labels that are not common to every stream, line),
/// <c>raw</c> (the line only) and <c>jsonl</c> (one JSON object per entry). Colours — a colour per stream for the
/// labels and a colour per level for the timestamp — only when writing to a terminal (or when forced).
/// Not thread-safe; callers serialise.
/// </summary>
internal sealed class LogPrinter(TextWriter output, OutputMode mode, bool utc, bool color, LabelSelection selection)
{
    private static readonly string[] Palette = ["\e[31m", "\e[32m", "\e[33m", "\e[34m", "\e[35m", "\e[36m", "\e[91m", "\e[92m", "\e[93m", "\e[94m", "\e[95m", "\e[96m"];
    private const string Reset = "\e[0m";
    private int _labelsWidth;

    public IReadOnlyDictionary<string, string> CommonLabels { get; set; } = new Dictionary<string, string>();

    public void Print(in LogEntry e)
    {
        switch (mode)
        {
            case OutputMode.Raw:
                output.WriteLine(e.Line);
                return;
            case OutputMode.Jsonl:
                output.WriteLine(ToJsonl(e, utc));
                return;
        }
        var ts = FormatTimestamp(e.TimestampNs, utc);
        var labels = selection.NoLabels ? "" : FormatLabels(selection.Apply(e.Labels, CommonLabels));
        if (labels.Length > _labelsWidth)
            _labelsWidth = labels.Length;
        var sb = new StringBuilder(ts.Length + labels.Length + e.Line.Length + 24);
        if (color)
        {
            var level = LevelColor(e);
            sb.Append(level ?? "").Append(ts).Append(level != null ? Reset : "").Append(' ');
            if (labels.Length > 0)
                sb.Append(Palette[(int)((uint)e.LabelsKey.GetHashCode(StringComparison.Ordinal) % Palette.Length)]).Append(labels.PadRight(_labelsWidth)).Append(Reset).Append(' ');
        }
        else
        {
            sb.Append(ts).Append(' ');
            if (labels.Length > 0)
                sb.Append(labels.PadRight(_labelsWidth)).Append(' ');
        }
        sb.Append(e.Line);
        output.WriteLine(sb.ToString());
    }

    public static string FormatTimestamp(long ns, bool utc)
    {
        var dto = DateTimeOffset.FromUnixTimeMilliseconds(ns / 1_000_000).AddTicks(ns % 1_000_000 / 100);
        return utc
            ? dto.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : dto.ToLocalTime().ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
    }

    public static string FormatLabels(IEnumerable<KeyValuePair<string, string>> labels)
    {
        var sb = new StringBuilder("{");
        var first = true;
        foreach (var (k, v) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            if (!first)
                sb.Append(", ");
            first = false;
            sb.Append(k).Append('=');
            GoQuote.Append(sb, v);
        }
        return sb.Append('}').ToString();
    }

    public static string ToJsonl(in LogEntry e, bool utc)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteStartObject("labels");
            foreach (var (k, v) in e.Labels.OrderBy(l => l.Key, StringComparer.Ordinal))
                w.WriteString(k, v);
            w.WriteEndObject();
            w.WriteString("line", e.Line);
            var dto = DateTimeOffset.FromUnixTimeMilliseconds(e.TimestampNs / 1_000_000);
            w.WriteString("timestamp", utc ? Core.TimeNs.ToRfc3339Nano(e.TimestampNs) : LocalRfc3339Nano(e.TimestampNs));
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static string LocalRfc3339Nano(long ns)
    {
        var local = DateTimeOffset.FromUnixTimeMilliseconds(ns / 1_000_000).ToLocalTime();
        var frac = ns % 1_000_000_000;
        var text = local.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        if (frac != 0)
            text += "." + frac.ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
        return text + local.ToString("zzz", CultureInfo.InvariantCulture);
    }

    /// <summary>A colour for the entry's level, from a <c>level</c>/<c>detected_level</c> label or the line itself.</summary>
    private static string? LevelColor(in LogEntry e)
    {
        var level = e.Labels.TryGetValue("level", out var l) ? l : e.Labels.TryGetValue("detected_level", out var d) ? d : DetectLevel(e.Line);
        return level?.ToLowerInvariant() switch
        {
            "error" or "err" or "fatal" or "critical" or "crit" or "panic" or "emerg" or "alert" => "\e[31m",
            "warn" or "warning" => "\e[33m",
            "info" or "notice" => "\e[32m",
            "debug" or "trace" => "\e[2m",
            _ => null,
        };
    }

    internal static string? DetectLevel(string line)
    {
        ReadOnlySpan<string> keys = ["\"level\":\"", "level=", "\"severity\":\"", "lvl="];
        foreach (var key in keys)
        {
            var i = line.IndexOf(key, StringComparison.OrdinalIgnoreCase);
            if (i < 0)
                continue;
            var start = i + key.Length;
            var end = start;
            while (end < line.Length && char.IsAsciiLetter(line[end]))
                end++;
            if (end > start)
                return line[start..end];
        }
        return null;
    }
}
