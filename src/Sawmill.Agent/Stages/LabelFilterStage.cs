namespace Sawmill.Agent.Stages;

/// <summary>Promtail's <c>labelallow</c> (keep only the listed labels) and <c>labeldrop</c> (remove the listed labels).</summary>
public sealed class LabelFilterStage(IReadOnlyList<string> names, bool allow) : TransformStage(allow ? "labelallow" : "labeldrop")
{
    private readonly HashSet<string> _names = new(names, StringComparer.Ordinal);

    protected override bool Apply(PipelineEntry entry)
    {
        var remove = new List<string>();
        foreach (var name in entry.Labels.Keys)
        {
            // Reserved labels (__tenant_id__, filename handling) stay: they are not user labels.
            if (name.StartsWith("__", StringComparison.Ordinal))
                continue;
            if (_names.Contains(name) != allow)
                remove.Add(name);
        }
        foreach (var n in remove)
            entry.Labels.Remove(n);
        return true;
    }
}
