namespace Sawmill.Agent.Stages;

/// <summary>
/// Promtail's <c>labels</c> stage (mapping label name to extracted key; empty means the same name) and, with
/// <c>toMetadata</c>, the <c>structured_metadata</c> stage, which writes the same values as structured metadata.
/// Values that are absent are skipped; invalid label names are skipped as Promtail does.
/// </summary>
public sealed class LabelsStage(IReadOnlyDictionary<string, string> mapping, bool toMetadata) : TransformStage(toMetadata ? "structured_metadata" : "labels")
{
    protected override bool Apply(PipelineEntry entry)
    {
        foreach (var (label, key) in mapping)
        {
            var value = entry.ExtractedString(key.Length == 0 ? label : key);
            if (value == null)
                continue;
            if (toMetadata)
                (entry.Metadata ??= new Dictionary<string, string>(StringComparer.Ordinal))[label] = value;
            else if (Relabel.Relabeler.IsValidLabelName(label))
                entry.Labels[label] = value;
        }
        return true;
    }
}
