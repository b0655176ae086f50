using Sawmill.GoCompat;

namespace Sawmill.Agent.Stages;

/// <summary>
/// Promtail's <c>template</c> stage: renders a Go template into the extracted value <c>source</c>; <c>.Value</c> is
/// the source's current value and <c>.Entry</c> the line. An empty result removes <c>source</c>, as Promtail does;
/// a template that fails to execute leaves the entry unchanged.
/// </summary>
public sealed class TemplateStage(string source, GoTemplate template) : TransformStage("template")
{
    protected override bool Apply(PipelineEntry entry)
    {
        var data = PromtailTemplate.Data(entry, ("Value", entry.ExtractedString(source)), ("Entry", entry.Line));
        string result;
        try
        {
            result = template.Execute(data);
        }
        catch (TemplateException)
        {
            return true;
        }
        if (result.Length == 0)
            entry.Extracted.Remove(source);
        else
            entry.Extracted[source] = result;
        return true;
    }
}
