namespace Sawmill.Server.Patterns;

/// <summary>
/// One mined pattern: its token template (variable positions hold <see cref="DrainMiner.Wildcard"/>) and how many lines
/// joined it, bucketed by time for Loki's <c>/patterns</c> samples. Mutated only by the owning <see cref="DrainMiner"/>.
/// </summary>
public sealed class DrainCluster(int id, string[] template)
{
    public int Id { get; } = id;
    public string[] Template { get; internal set; } = template;
    public long Count { get; internal set; }
    internal long LastUsed { get; set; }

    /// <summary>Line counts per time bucket start (Unix ms).</summary>
    public SortedDictionary<long, long> Samples { get; } = [];

    private long _lastBucket = long.MinValue;
    private long _lastBucketCount;

    /// <summary>Counts one line in <paramref name="bucket"/>. Lines mostly arrive in time order, so the current bucket's
    /// count is kept in a field: one tree write per line instead of a read and a write.</summary>
    internal void AddSample(long bucket)
    {
        if (bucket == _lastBucket)
        {
            Samples[bucket] = ++_lastBucketCount;
            return;
        }
        _lastBucket = bucket;
        _lastBucketCount = Samples.GetValueOrDefault(bucket) + 1;
        Samples[bucket] = _lastBucketCount;
    }

    /// <summary>The pattern as Loki prints it: tokens joined by spaces, runs of wildcards collapsed into one <c>&lt;_&gt;</c>.</summary>
    public string Pattern
    {
        get
        {
            var parts = new List<string>(Template.Length);
            foreach (var t in Template)
            {
                if (t == DrainMiner.Wildcard && parts.Count > 0 && parts[^1] == DrainMiner.Wildcard)
                    continue;
                parts.Add(t);
            }
            return string.Join(' ', parts);
        }
    }
}
