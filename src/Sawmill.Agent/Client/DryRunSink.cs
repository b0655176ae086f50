using System.Text;
using Sawmill.Agent.Stages;
using Sawmill.Core;

namespace Sawmill.Agent.Client;

/// <summary>
/// <c>-dry-run</c>: prints each entry as it would be sent (<c>timestamp {labels} line</c>, like Promtail's dry run)
/// instead of sending it. Positions are not saved in a dry run.
/// </summary>
public sealed class DryRunSink(TextWriter output, IReadOnlyDictionary<string, string> externalLabels) : IEntrySink
{
    private readonly object _lock = new();

    public ValueTask WriteAsync(PipelineEntry entry, CancellationToken cancellationToken)
    {
        var builder = new LabelsBuilder();
        foreach (var (k, v) in externalLabels)
            builder.Set(k, v);
        foreach (var (k, v) in entry.Labels)
            if (!k.StartsWith("__", StringComparison.Ordinal) && v.Length > 0)
                builder.Set(k, v);
        var sb = new StringBuilder();
        sb.Append(TimeNs.ToRfc3339Nano(entry.TimestampNs)).Append('\t').Append(builder.Build().ToString());
        if (entry.Labels.TryGetValue(TenantStage.TenantLabel, out var tenant))
            sb.Append("\ttenant=").Append(tenant);
        if (entry.Metadata is { Count: > 0 } md)
            sb.Append("\tmetadata=").Append(Labels.From(md.Select(kv => new Label(kv.Key, kv.Value))).ToString());
        sb.Append('\t').Append(entry.Line);
        lock (_lock)
            output.WriteLine(sb.ToString());
        entry.Complete();
        return ValueTask.CompletedTask;
    }
}
