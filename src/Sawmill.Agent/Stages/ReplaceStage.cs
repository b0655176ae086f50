using System.Text;
using System.Text.RegularExpressions;
using Sawmill.GoCompat;

namespace Sawmill.Agent.Stages;

/// <summary>
/// Promtail's <c>replace</c> stage: every capture group of every match in the source is replaced by the template
/// (which sees the captured text as <c>.Value</c> plus the extracted map); named groups are also extracted. With no
/// source the line itself is rewritten; otherwise the extracted value is.
/// </summary>
public sealed class ReplaceStage(Regex regex, string? source, GoTemplate? template) : TransformStage("replace")
{
    protected override bool Apply(PipelineEntry entry)
    {
        var input = source == null ? entry.Line : entry.ExtractedString(source);
        if (input == null)
            return true;
        var sb = new StringBuilder();
        var pos = 0;
        var matched = false;
        foreach (Match m in regex.Matches(input))
        {
            matched = true;
            for (var g = 1; g < m.Groups.Count; g++)
            {
                var group = m.Groups[g];
                if (!group.Success || group.Index < pos)
                    continue;
                if (!int.TryParse(group.Name, out _))
                    entry.Extracted[group.Name] = group.Value;
                var data = PromtailTemplate.Data(entry, ("Value", group.Value));
                sb.Append(input, pos, group.Index - pos);
                sb.Append(template?.Execute(data) ?? "");
                pos = group.Index + group.Length;
            }
        }
        if (!matched)
            return true;
        sb.Append(input, pos, input.Length - pos);
        if (source == null)
            entry.Line = sb.ToString();
        else
            entry.Extracted[source] = sb.ToString();
        return true;
    }
}
