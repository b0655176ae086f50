using System.Collections.Concurrent;
using System.Text;

namespace Sawmill.Agent;

/// <summary>
/// The agent's own metrics, named as Promtail names them so existing dashboards keep working
/// (<c>promtail_sent_entries_total</c>, <c>promtail_dropped_entries_total</c>, <c>promtail_read_bytes_total</c> …),
/// plus the families that <c>metrics</c> stages register. Thread-safe.
/// </summary>
public sealed class AgentMetrics
{
    private readonly ConcurrentDictionary<string, MetricFamily> _families = new(StringComparer.Ordinal);

    public AgentMetrics()
    {
        SentEntries = Register(new MetricFamily("promtail_sent_entries_total", "Number of log entries sent to the ingester.", "counter"));
        SentBytes = Register(new MetricFamily("promtail_sent_bytes_total", "Number of bytes sent.", "counter"));
        DroppedEntries = Register(new MetricFamily("promtail_dropped_entries_total", "Number of log entries dropped because they failed to be sent to the ingester after all retries.", "counter"));
        DroppedBytes = Register(new MetricFamily("promtail_dropped_bytes_total", "Number of bytes dropped because they failed to be sent to the ingester after all retries.", "counter"));
        RequestDuration = Register(new MetricFamily("promtail_request_duration_seconds", "Duration of send requests.", "histogram", [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]));
        BatchRetries = Register(new MetricFamily("promtail_batch_retries_total", "Number of times batches has had to be retried.", "counter"));
        ReadBytes = Register(new MetricFamily("promtail_read_bytes_total", "Number of bytes read.", "counter"));
        ReadLines = Register(new MetricFamily("promtail_read_lines_total", "Number of lines read.", "counter"));
        FilesActive = Register(new MetricFamily("promtail_files_active_total", "Number of active files.", "gauge"));
        PipelineDropped = Register(new MetricFamily("logentry_dropped_lines_total", "A count of all log lines dropped as a result of a pipeline stage", "counter"));
        SpilledBatches = Register(new MetricFamily("sawmill_agent_spilled_batches_total", "Batches written to the disk spill buffer because the server could not take them.", "counter"));
        SpillPending = Register(new MetricFamily("sawmill_agent_spill_pending_batches", "Batches waiting in the disk spill buffer.", "gauge"));
    }

    public MetricFamily SentEntries { get; }
    public MetricFamily SentBytes { get; }
    public MetricFamily DroppedEntries { get; }
    public MetricFamily DroppedBytes { get; }
    public MetricFamily RequestDuration { get; }
    public MetricFamily BatchRetries { get; }
    public MetricFamily ReadBytes { get; }
    public MetricFamily ReadLines { get; }
    public MetricFamily FilesActive { get; }
    public MetricFamily PipelineDropped { get; }
    public MetricFamily SpilledBatches { get; }
    public MetricFamily SpillPending { get; }

    /// <summary>Registers a family, or returns the one already registered under its name.</summary>
    public MetricFamily Register(MetricFamily family) => _families.GetOrAdd(family.Name, family);

    public void DroppedLines(string reason) =>
        PipelineDropped.Add(new Dictionary<string, string> { ["reason"] = reason }, 1);

    public string Expose()
    {
        var sb = new StringBuilder();
        foreach (var f in _families.Values.OrderBy(f => f.Name, StringComparer.Ordinal))
            f.WriteTo(sb);
        return sb.ToString();
    }
}
