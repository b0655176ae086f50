using Sawmill.GoCompat;
using System.Text.Json;

namespace Sawmill.Agent.Stages;

/// <summary>
/// Promtail's <c>docker</c> stage: reads Docker's json-file lines (<c>{"log":…,"stream":…,"time":…}</c>), sets the
/// <c>stream</c> label, the timestamp (RFC3339Nano) and the line (the <c>log</c> field without its trailing newline).
/// Lines that are not Docker JSON pass unchanged.
/// </summary>
public sealed class DockerStage() : TransformStage("docker")
{
    protected override bool Apply(PipelineEntry entry)
    {
        try
        {
            using var doc = JsonDocument.Parse(entry.Line);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("log", out var log) || log.ValueKind != JsonValueKind.String)
                return true;
            if (root.TryGetProperty("stream", out var stream) && stream.GetString() is { Length: > 0 } s)
                entry.Labels["stream"] = s;
            if (root.TryGetProperty("time", out var time) && time.GetString() is { } t &&
                GoTime.TryParse(t, GoTime.Named["RFC3339Nano"], null, out var ns, out _))
                entry.TimestampNs = ns;
            var line = log.GetString()!;
            entry.Line = line.EndsWith('\n') ? line[..^1] : line;
            entry.Extracted["output"] = entry.Line;
        }
        catch (JsonException)
        {
        }
        return true;
    }
}
