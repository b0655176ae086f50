namespace Sawmill.Agent.Stages;

/// <summary>
/// Promtail's <c>tenant</c> stage: sets the reserved label <c>__tenant_id__</c> from a fixed value, an extracted value
/// (<c>source</c>) or a label (<c>label</c>); clients send the entry under that tenant and remove the label.
/// </summary>
public sealed class TenantStage(string? value, string? source, string? label) : TransformStage("tenant")
{
    public const string TenantLabel = "__tenant_id__";

    protected override bool Apply(PipelineEntry entry)
    {
        var tenant = value ?? (source != null ? entry.ExtractedString(source) : label != null ? entry.Labels.GetValueOrDefault(label) : null);
        if (!string.IsNullOrEmpty(tenant))
            entry.Labels[TenantLabel] = tenant;
        return true;
    }
}
