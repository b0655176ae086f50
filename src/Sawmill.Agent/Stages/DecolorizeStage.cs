using System.Text.RegularExpressions;

namespace Sawmill.Agent.Stages;

/// <summary>Promtail's <c>decolorize</c> stage: strips ANSI colour escape sequences from the line.</summary>
public sealed partial class DecolorizeStage() : TransformStage("decolorize")
{
    protected override bool Apply(PipelineEntry entry)
    {
        if (entry.Line.Contains('\u001b'))
            entry.Line = Ansi().Replace(entry.Line, "");
        return true;
    }

    [GeneratedRegex("\u001b\\[[0-9;]*[A-Za-z]")]
    private static partial Regex Ansi();
}
