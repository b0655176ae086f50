using System.Globalization;

namespace Sawmill.Agent.Stages;

/// <summary>
/// Promtail's <c>metrics</c> stage: counters, gauges and histograms fed from extracted values, labelled with the
/// entry's labels and exposed on the agent's <c>/metrics</c> (name = prefix, default <c>promtail_custom_</c>, + key).
/// </summary>
public sealed class MetricsStage(IReadOnlyList<MetricsStage.Definition> metrics) : TransformStage("metrics")
{
    /// <summary>One configured metric.</summary>
    public sealed record Definition(MetricFamily Family, string? Source, string? Value, string Action, bool MatchAll, bool CountEntryBytes, TimeSpan MaxIdle);

    private long _lastExpireTicks = DateTime.UtcNow.Ticks;

    protected override bool Apply(PipelineEntry entry)
    {
        foreach (var d in metrics)
            Update(d, entry);
        var now = DateTime.UtcNow.Ticks;
        if (now - _lastExpireTicks > TimeSpan.TicksPerMinute)
        {
            _lastExpireTicks = now;
            foreach (var d in metrics)
                d.Family.Expire(d.MaxIdle);
        }
        return true;
    }

    private static void Update(Definition d, PipelineEntry entry)
    {
        var labels = entry.Labels;
        if (d.Family.Type == "counter" && d.MatchAll)
        {
            d.Family.Add(labels, d.CountEntryBytes ? System.Text.Encoding.UTF8.GetByteCount(entry.Line) : 1);
            return;
        }
        var v = d.Source == null ? entry.Line : entry.ExtractedString(d.Source);
        if (v == null)
            return;
        if (d.Value != null && v != d.Value)
            return;
        double Number() => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x : double.NaN;
        switch (d.Family.Type, d.Action)
        {
            case ("counter", "inc"):
                d.Family.Add(labels, 1);
                break;
            case ("counter", "add"):
                if (Number() is var a && !double.IsNaN(a) && a >= 0)
                    d.Family.Add(labels, a);
                break;
            case ("gauge", "set"):
                if (Number() is var s && !double.IsNaN(s))
                    d.Family.Set(labels, s);
                break;
            case ("gauge", "inc"):
                d.Family.Add(labels, 1);
                break;
            case ("gauge", "dec"):
                d.Family.Add(labels, -1);
                break;
            case ("gauge", "add"):
                if (Number() is var ga && !double.IsNaN(ga))
                    d.Family.Add(labels, ga);
                break;
            case ("gauge", "sub"):
                if (Number() is var gs && !double.IsNaN(gs))
                    d.Family.Add(labels, -gs);
                break;
            case ("histogram", _):
                if (Number() is var h && !double.IsNaN(h))
                    d.Family.Observe(labels, h);
                break;
        }
    }
}
