namespace Sawmill.Agent.Stages;

/// <summary>Promtail's <c>output</c> stage: the line becomes the extracted value <c>source</c> (unchanged when absent).</summary>
public sealed class OutputStage(string source) : TransformStage("output")
{
    protected override bool Apply(PipelineEntry entry)
    {
        if (entry.ExtractedString(source) is { } v)
            entry.Line = v;
        return true;
    }
}
