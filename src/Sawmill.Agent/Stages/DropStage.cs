using System.Text.RegularExpressions;
using Sawmill.Core;

namespace Sawmill.Agent.Stages;

/// <summary>
/// Promtail's <c>drop</c> stage. Every configured condition must hold for the entry to be dropped: the source
/// value(s) joined by <c>separator</c> present and, when given, matching <c>expression</c> (unanchored RE2) or equal to
/// <c>value</c>; the line matching <c>expression</c> when there is no source; the entry older than
/// <c>older_than</c>; the line longer than <c>longer_than</c> bytes.
/// </summary>
public sealed class DropStage(
    IReadOnlyList<string> sources, string separator, Regex? expression, string? value,
    TimeSpan? olderThan, long? longerThan, string reason) : TransformStage("drop")
{
    protected override string DropReason => reason;

    protected override bool Apply(PipelineEntry entry)
    {
        var drop = true;
        if (sources.Count > 0)
        {
            var values = new List<string>();
            foreach (var s in sources)
            {
                var v = entry.ExtractedString(s);
                if (v == null)
                    return true; // a missing source never drops
                values.Add(v);
            }
            var joined = string.Join(separator, values);
            if (expression != null)
                drop &= expression.IsMatch(joined);
            if (value != null)
                drop &= joined == value;
        }
        else
        {
            if (expression != null)
                drop &= expression.IsMatch(entry.Line);
            if (value != null)
                return true; // value requires a source (Promtail rejects this at load; tolerated here)
        }
        if (olderThan is { } age)
            drop &= entry.TimestampNs < TimeNs.Now() - age.Ticks * 100;
        if (longerThan is { } len)
            drop &= System.Text.Encoding.UTF8.GetByteCount(entry.Line) > len;
        return !drop;
    }
}
