using Sawmill.GoCompat;
using System.Text.RegularExpressions;

namespace Sawmill.Agent.Stages;

/// <summary>Promtail's <c>regex</c> stage: named groups of an RE2 expression (unanchored) into the extracted map.</summary>
public sealed class RegexStage(Regex regex, string? source) : TransformStage("regex")
{
    protected override bool Apply(PipelineEntry entry)
    {
        var input = source == null ? entry.Line : entry.ExtractedString(source);
        if (input == null)
            return true;
        var m = regex.Match(input);
        if (!m.Success)
            return true;
        foreach (var name in Re2.GroupNames(regex))
        {
            var g = m.Groups[name];
            if (g.Success)
                entry.Extracted[name] = g.Value;
        }
        return true;
    }
}
