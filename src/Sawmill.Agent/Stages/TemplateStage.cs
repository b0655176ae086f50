namespace Sawmill.Agent.Stages;

/// <summary>Promtail's <c>template</c> stage: renders a Go template into the extracted value <c>source</c>.</summary>
public sealed class TemplateStage(string source, GoTemplate template) : TransformStage("template")
{
    protected override bool Apply(PipelineEntry entry)
    {
        var data = new Dictionary<string, object?>(entry.Extracted, StringComparer.Ordinal)
        {
            ["Value"] = entry.ExtractedString(source),
            ["Entry"] = entry.Line,
        };
        entry.Extracted[source] = template.Execute(data);
        return true;
    }
}
