using Sawmill.GoCompat;
using System.Text;

namespace Sawmill.Agent.Stages;

/// <summary>
/// Promtail's <c>cri</c> stage: parses the CRI log format <c>&lt;RFC3339Nano time&gt; &lt;stdout|stderr&gt; &lt;P|F&gt; &lt;content&gt;</c>,
/// sets the <c>stream</c> label, timestamp and line, and joins partial lines (flag P) with the following lines up to
/// the final one (flag F), at most <c>max_partial_lines</c> (default 100) pieces per stream.
/// </summary>
public sealed class CriStage(int maxPartialLines, long maxPartialLineSize, bool truncate) : Stage("cri")
{
    private readonly Dictionary<string, PipelineEntry> _partials = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (StringBuilder Text, int Count)> _partialText = new(StringComparer.Ordinal);

    public override void Process(PipelineEntry entry, Action<PipelineEntry> next)
    {
        var line = entry.Line;
        var s1 = line.IndexOf(' ');
        var s2 = s1 < 0 ? -1 : line.IndexOf(' ', s1 + 1);
        var s3 = s2 < 0 ? -1 : line.IndexOf(' ', s2 + 1);
        if (s3 < 0 && s2 > 0 && line.Length > s2 + 1)
            s3 = line.Length; // empty content with no trailing space
        if (s3 < 0)
        {
            next(entry);
            return;
        }
        var stream = line[(s1 + 1)..s2];
        if (stream is not ("stdout" or "stderr"))
        {
            next(entry);
            return;
        }
        var flags = line[(s2 + 1)..s3];
        var content = s3 < line.Length ? line[(s3 + 1)..] : "";
        if (GoTime.TryParse(line[..s1], GoTime.Named["RFC3339Nano"], null, out var ns, out _))
            entry.TimestampNs = ns;
        entry.Labels["stream"] = stream;
        entry.Extracted["stream"] = stream;
        entry.Extracted["flags"] = flags;
        var key = stream;
        var partial = flags.Contains('P');
        if (_partials.TryGetValue(key, out var first))
        {
            var (text, count) = _partialText[key];
            if (maxPartialLineSize <= 0 || text.Length + content.Length <= maxPartialLineSize)
                text.Append(content);
            else if (truncate)
                text.Append(content.AsSpan(0, (int)Math.Max(0, maxPartialLineSize - text.Length)));
            first.Tokens.AddRange(entry.Tokens);
            entry.Tokens.Clear();
            count++;
            _partialText[key] = (text, count);
            if (!partial || count >= maxPartialLines)
            {
                _partials.Remove(key);
                _partialText.Remove(key);
                first.Line = text.ToString();
                next(first);
            }
            return;
        }
        entry.Line = content;
        if (partial && maxPartialLines > 1)
        {
            _partials[key] = entry;
            _partialText[key] = (new StringBuilder(content), 1);
            return;
        }
        next(entry);
    }

    public override void Flush(Action<PipelineEntry> next)
    {
        foreach (var (key, first) in _partials.ToList())
        {
            first.Line = _partialText[key].Text.ToString();
            next(first);
        }
        _partials.Clear();
        _partialText.Clear();
    }
}
