using Sawmill.Agent.Positions;

namespace Sawmill.Agent.Stages;

/// <summary>
/// One log entry travelling through a pipeline: labels, the extracted map (values from parsers, as in Promtail),
/// timestamp, line, structured metadata, and the tokens of the file lines it stands for. Owned by one pipeline
/// at a time; not thread-safe. Whoever ends an entry's journey (a dropping stage, a client) completes its tokens.
/// </summary>
public sealed class PipelineEntry
{
    public PipelineEntry(Dictionary<string, string> labels, long timestampNs, string line)
    {
        Labels = labels;
        TimestampNs = timestampNs;
        Line = line;
    }

    public Dictionary<string, string> Labels { get; set; }
    public Dictionary<string, object?> Extracted { get; } = new(StringComparer.Ordinal);
    public long TimestampNs { get; set; }
    public string Line { get; set; }
    public Dictionary<string, string>? Metadata { get; set; }
    public List<AckToken> Tokens { get; } = [];

    public void Complete()
    {
        foreach (var t in Tokens)
            t.Complete();
        Tokens.Clear();
    }

    /// <summary>Value of an extracted key as a string, as Promtail's stages convert it (null when absent).</summary>
    public string? ExtractedString(string key) =>
        Extracted.TryGetValue(key, out var v) ? ValueToString(v) : null;

    public static string? ValueToString(object? v) => v switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => v.ToString(),
    };
}
