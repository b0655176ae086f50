using System.Globalization;
using System.Text;

namespace Sawmill.Agent;

/// <summary>
/// One Prometheus metric family whose series are keyed by label sets chosen at run time (the <c>metrics</c> stage
/// labels series with each entry's labels, which a fixed-label-name library cannot express). Counters, gauges and
/// histograms. Thread-safe.
/// </summary>
public sealed class MetricFamily(string name, string help, string type, double[]? buckets = null)
{
    private readonly Dictionary<string, Series> _series = new(StringComparer.Ordinal);
    private readonly object _lock = new();

    public string Name { get; } = name;
    public string Type { get; } = type;

    private sealed class Series(string labelText, int buckets)
    {
        public readonly string LabelText = labelText;
        public double Value;
        public double Sum;
        public long Count;
        public readonly long[] Buckets = new long[buckets];
        public long LastUpdateTicks = DateTime.UtcNow.Ticks;
    }

    public void Add(IReadOnlyDictionary<string, string>? labels, double delta) => Update(labels, s => s.Value += delta);

    public void Set(IReadOnlyDictionary<string, string>? labels, double value) => Update(labels, s => s.Value = value);

    public void Observe(IReadOnlyDictionary<string, string>? labels, double value) => Update(labels, s =>
    {
        s.Sum += value;
        s.Count++;
        var b = buckets!;
        for (var i = 0; i < b.Length; i++)
            if (value <= b[i])
                s.Buckets[i]++;
    });

    public double Get(IReadOnlyDictionary<string, string>? labels)
    {
        lock (_lock)
            return _series.TryGetValue(LabelText(labels), out var s) ? (Type == "histogram" ? s.Count : s.Value) : 0;
    }

    /// <summary>Removes series not updated for <paramref name="maxIdle"/> (the metrics stage's max_idle_duration).</summary>
    public void Expire(TimeSpan maxIdle)
    {
        var cutoff = DateTime.UtcNow.Ticks - maxIdle.Ticks;
        lock (_lock)
        {
            foreach (var (k, s) in _series.ToList())
                if (s.LastUpdateTicks < cutoff)
                    _series.Remove(k);
        }
    }

    private void Update(IReadOnlyDictionary<string, string>? labels, Action<Series> action)
    {
        var key = LabelText(labels);
        lock (_lock)
        {
            if (!_series.TryGetValue(key, out var s))
                _series[key] = s = new Series(key, buckets?.Length ?? 0);
            action(s);
            s.LastUpdateTicks = DateTime.UtcNow.Ticks;
        }
    }

    private static string LabelText(IReadOnlyDictionary<string, string>? labels)
    {
        if (labels == null || labels.Count == 0)
            return "";
        var sb = new StringBuilder();
        foreach (var (k, v) in labels.OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            if (k.StartsWith("__", StringComparison.Ordinal))
                continue;
            if (sb.Length > 0)
                sb.Append(',');
            sb.Append(k).Append("=\"").Append(v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('"');
        }
        return sb.ToString();
    }

    /// <summary>Appends the family in the Prometheus text exposition format.</summary>
    public void WriteTo(StringBuilder sb)
    {
        lock (_lock)
        {
            sb.Append("# HELP ").Append(Name).Append(' ').Append(help).Append('\n');
            sb.Append("# TYPE ").Append(Name).Append(' ').Append(Type).Append('\n');
            foreach (var s in _series.Values)
            {
                if (Type == "histogram")
                {
                    var b = buckets!;
                    for (var i = 0; i < b.Length; i++)
                        Sample(sb, Name + "_bucket", Join(s.LabelText, "le=\"" + Num(b[i]) + "\""), s.Buckets[i]);
                    Sample(sb, Name + "_bucket", Join(s.LabelText, "le=\"+Inf\""), s.Count);
                    Sample(sb, Name + "_sum", s.LabelText, s.Sum);
                    Sample(sb, Name + "_count", s.LabelText, s.Count);
                }
                else
                {
                    Sample(sb, Name, s.LabelText, s.Value);
                }
            }
        }
    }

    private static string Join(string a, string b) => a.Length == 0 ? b : a + "," + b;

    private static void Sample(StringBuilder sb, string name, string labels, double value)
    {
        sb.Append(name);
        if (labels.Length > 0)
            sb.Append('{').Append(labels).Append('}');
        sb.Append(' ').Append(Num(value)).Append('\n');
    }

    private static string Num(double v) =>
        double.IsPositiveInfinity(v) ? "+Inf" : v.ToString("R", CultureInfo.InvariantCulture);
}
