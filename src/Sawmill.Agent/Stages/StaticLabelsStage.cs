namespace Sawmill.Agent.Stages;

/// <summary>Promtail's <c>static_labels</c> stage.</summary>
public sealed class StaticLabelsStage(IReadOnlyDictionary<string, string> labels) : TransformStage("static_labels")
{
    protected override bool Apply(PipelineEntry entry)
    {
        foreach (var (k, v) in labels)
        {
            if (v.Length == 0)
                entry.Labels.Remove(k);
            else
                entry.Labels[k] = v;
        }
        return true;
    }
}
