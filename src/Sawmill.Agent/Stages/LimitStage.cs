using System.Diagnostics;

namespace Sawmill.Agent.Stages;

/// <summary>
/// Promtail's <c>limit</c> stage: a token bucket of <c>rate</c> lines/s with <c>burst</c>; over the limit an entry is
/// dropped (<c>drop: true</c>) or the pipeline waits for a token (the default, which back-pressures the file reader
/// so nothing is lost). With <c>by_label_name</c> each value of that label has its own bucket (at most
/// <c>max_distinct_labels</c>, default 10000).
/// </summary>
public sealed class LimitStage(double rate, double burst, bool drop, string? byLabel, int maxDistinct) : Stage("limit")
{
    private sealed class Bucket(double tokens)
    {
        public double Tokens = tokens;
        public long LastTicks = Stopwatch.GetTimestamp();
    }

    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    public override void Process(PipelineEntry entry, Action<PipelineEntry> next)
    {
        var key = "";
        if (byLabel != null)
        {
            if (!entry.Labels.TryGetValue(byLabel, out var v))
            {
                next(entry);
                return;
            }
            key = v;
        }
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            if (_buckets.Count >= maxDistinct)
                _buckets.Clear();
            _buckets[key] = bucket = new Bucket(burst);
        }
        while (true)
        {
            var now = Stopwatch.GetTimestamp();
            bucket.Tokens = Math.Min(burst, bucket.Tokens + (now - bucket.LastTicks) * rate / Stopwatch.Frequency);
            bucket.LastTicks = now;
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                next(entry);
                return;
            }
            if (drop)
            {
                Drop(entry, "limit");
                return;
            }
            Thread.Sleep(TimeSpan.FromSeconds(Math.Min(1, (1 - bucket.Tokens) / rate)));
        }
    }
}
