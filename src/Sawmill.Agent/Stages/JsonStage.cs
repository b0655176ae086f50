using System.Text.Json;

namespace Sawmill.Agent.Stages;

/// <summary>Promtail's <c>json</c> stage: JMESPath expressions over the line (or an extracted value) into the extracted map.</summary>
public sealed class JsonStage(IReadOnlyList<(string Name, JmesPath Path)> expressions, string? source, bool dropMalformed) : Stage("json")
{
    public override void Process(PipelineEntry entry, Action<PipelineEntry> next)
    {
        var input = source == null ? entry.Line : entry.ExtractedString(source);
        if (input == null)
        {
            next(entry);
            return;
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(input);
        }
        catch (JsonException)
        {
            if (dropMalformed)
                Drop(entry, "json_malformed");
            else
                next(entry);
            return;
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object && dropMalformed)
            {
                Drop(entry, "json_malformed");
                return;
            }
            foreach (var (name, path) in expressions)
            {
                if (path.TryEvaluate(doc.RootElement, out var value))
                    entry.Extracted[name] = JmesPath.ToExtracted(value);
                else
                    entry.Extracted[name] = null;
            }
        }
        next(entry);
    }
}
