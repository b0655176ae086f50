using System.Text;
using System.Text.Json;
using Sawmill.Core;

namespace Sawmill.Agent.Stages;

/// <summary>
/// Promtail's <c>pack</c> stage: moves the listed labels (or extracted values) into a JSON line
/// <c>{"label":"value",…,"_entry":"original line"}</c> and removes them from the labels; with
/// <c>ingest_timestamp</c> (default true) the entry's timestamp becomes the time it was packed. Loki's
/// <c>| unpack</c> reverses it.
/// </summary>
public sealed class PackStage(IReadOnlyList<string> labels, bool ingestTimestamp) : TransformStage("pack")
{
    protected override bool Apply(PipelineEntry entry)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            foreach (var name in labels.OrderBy(x => x, StringComparer.Ordinal))
            {
                if (entry.Labels.Remove(name, out var v))
                    w.WriteString(name, v);
                else if (entry.ExtractedString(name) is { } ev)
                    w.WriteString(name, ev);
            }
            w.WriteString("_entry", entry.Line);
            w.WriteEndObject();
        }
        entry.Line = Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length);
        if (ingestTimestamp)
            entry.TimestampNs = TimeNs.Now();
        return true;
    }
}
