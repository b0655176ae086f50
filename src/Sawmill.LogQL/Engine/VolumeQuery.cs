using System.Diagnostics;
using Sawmill.Core;

namespace Sawmill.LogQL.Engine;

/// <summary>
/// A log volume request (Loki's <c>/index/volume</c> and <c>/index/volume_range</c>): bytes of log lines per group of
/// streams. <see cref="AggregateByLabels"/> false groups by the values of <see cref="GroupBy"/> (one series per
/// distinct combination); true gives one series per label name (its value empty) holding the bytes of every stream
/// that has that label, limited to <see cref="TargetLabels"/> when given. <see cref="StepNs"/> 0 is the instant form
/// (one bucket over the whole range); otherwise bucket i, reported at <c>start + i·step</c>, holds the entries in
/// <c>(start + (i-1)·step, start + i·step]</c>.
/// </summary>
public sealed record VolumeQuery
{
    public required IReadOnlyList<LabelMatcher> Matchers { get; init; }
    public required long StartNs { get; init; }
    /// <summary>Inclusive.</summary>
    public required long EndNs { get; init; }
    public long StepNs { get; init; }
    public IReadOnlyList<string> GroupBy { get; init; } = [];
    public bool AggregateByLabels { get; init; }
    public IReadOnlyList<string>? TargetLabels { get; init; }
    /// <summary>The largest groups by total bytes are kept.</summary>
    public int Limit { get; init; } = 100;
}

/// <summary>The groups of a <see cref="VolumeQuery"/>, largest first; each has one byte count per bucket.</summary>
public sealed class VolumeResult(List<(Labels Group, long[] Bytes)> groups, int buckets)
{
    public List<(Labels Group, long[] Bytes)> Groups { get; } = groups;
    public int Buckets { get; } = buckets;
    public QueryStatistics Statistics { get; init; } = new();
    public TimeSpan ExecTime { get; set; }
}

/// <summary>Evaluates <see cref="VolumeQuery"/>s: streams are read in parallel, counting line lengths only (no lines decoded).</summary>
internal static class VolumeEvaluator
{
    public static VolumeResult Evaluate(ILogReader reader, string tenant, VolumeQuery q, QueryLimits limits, CancellationToken token)
    {
        var sw = Stopwatch.StartNew();
        var stats = new QueryStatistics();
        var range = q.StepNs > 0;
        var buckets = range ? (int)Math.Min((q.EndNs - q.StartNs) / q.StepNs + 1, Math.Max(limits.MaxPointsPerSeries, 1)) : 1;
        var iterators = reader.Select(new SelectRequest
        {
            Tenant = tenant,
            Matchers = q.Matchers,
            StartNs = q.StartNs,
            EndNs = q.EndNs + 1,
            Fields = EntryFields.LineLengths,
            Statistics = stats,
        }, token);
        var totals = new Dictionary<Labels, long[]>();
        var target = q.TargetLabels is { Count: > 0 } t ? new HashSet<string>(t, StringComparer.Ordinal) : null;
        var next = -1;
        StreamWorkers.Run(iterators, limits.MaxQueryParallelism, token, (_, _) =>
        {
            int s;
            while ((s = Interlocked.Increment(ref next)) < iterators.Count)
                Count(iterators[s]);
        });
        var top = totals.Where(kv => kv.Value.Any(v => v != 0))
            .OrderByDescending(kv => kv.Value.Sum()).ThenBy(kv => kv.Key).Take(q.Limit)
            .Select(kv => (kv.Key, kv.Value)).ToList();
        return new VolumeResult(top, buckets) { Statistics = stats, ExecTime = sw.Elapsed };

        void Count(IEntryIterator it)
        {
            var keys = Keys(it.Labels, q, target);
            var local = new long[buckets];
            var n = 0;
            while (it.Next())
            {
                if ((++n & 4095) == 0)
                    token.ThrowIfCancellationRequested();
                var i = range ? (int)Math.Clamp((it.TimestampNs - q.StartNs + q.StepNs - 1) / q.StepNs, 0, buckets - 1) : 0;
                local[i] += it.LineLength;
            }
            lock (totals)
            {
                foreach (var key in keys)
                {
                    if (!totals.TryGetValue(key, out var arr))
                    {
                        // Loki caps volume responses by volume_max_series; groups beyond the engine's series limit fail the query as other queries do.
                        if (limits.MaxQuerySeries > 0 && totals.Count >= Math.Max(limits.MaxQuerySeries, q.Limit))
                            throw new QueryLimitException($"maximum of series ({Math.Max(limits.MaxQuerySeries, q.Limit)}) reached for a single query");
                        totals[key] = arr = new long[buckets];
                    }
                    for (var b = 0; b < buckets; b++)
                        arr[b] += local[b];
                }
            }
        }
    }

    private static List<Labels> Keys(Labels stream, VolumeQuery q, HashSet<string>? target)
    {
        var keys = new List<Labels>();
        if (q.AggregateByLabels)
        {
            foreach (var l in stream.AsSpan())
                if (target == null || target.Contains(l.Name))
                    keys.Add(Labels.From((l.Name, "")));
            return keys;
        }
        var pairs = new List<Label>();
        foreach (var name in q.GroupBy)
            if (stream.Get(name) is { } v)
                pairs.Add(new Label(name, v));
        keys.Add(Labels.From(pairs));
        return keys;
    }
}
