using Sawmill.Core;

namespace Sawmill.Storage.Query;

/// <summary>The metadata answers (series, label names and values, index stats) computed from per-stream figures. Stateless.</summary>
public static class StreamSummaries
{
    public static IReadOnlyList<Labels> Series(IReadOnlyDictionary<Labels, StreamSummary> streams)
    {
        var result = streams.Keys.ToList();
        result.Sort();
        return result;
    }

    public static IReadOnlyList<string> LabelNames(IReadOnlyDictionary<Labels, StreamSummary> streams)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var labels in streams.Keys)
            foreach (var l in labels.AsSpan())
                names.Add(l.Name);
        return names.ToList();
    }

    public static IReadOnlyList<string> LabelValues(IReadOnlyDictionary<Labels, StreamSummary> streams, string name)
    {
        var values = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var labels in streams.Keys)
            if (labels.Get(name) is { } v)
                values.Add(v);
        return values.ToList();
    }

    public static IndexStats Stats(IReadOnlyDictionary<Labels, StreamSummary> streams)
    {
        long count = 0, chunks = 0, bytes = 0, entries = 0;
        foreach (var (_, s) in streams)
        {
            count++;
            chunks += s.Chunks;
            bytes += s.Bytes;
            entries += s.Entries;
        }
        return new IndexStats(count, chunks, bytes, entries);
    }

    /// <summary>Keeps, per stream, the figures with the most entries (replicas of one stream hold about the same).</summary>
    public static void MaxInto(Dictionary<Labels, StreamSummary> best, IReadOnlyDictionary<Labels, StreamSummary> replica)
    {
        foreach (var (labels, s) in replica)
            if (!best.TryGetValue(labels, out var b) || s.Entries > b.Entries)
                best[labels] = s;
    }

    /// <summary>Adds <paramref name="more"/>'s figures per stream to <paramref name="into"/>.</summary>
    public static void AddInto(Dictionary<Labels, StreamSummary> into, IReadOnlyDictionary<Labels, StreamSummary> more)
    {
        foreach (var (labels, s) in more)
        {
            into.TryGetValue(labels, out var sum);
            into[labels] = new StreamSummary(sum.Entries + s.Entries, sum.Bytes + s.Bytes, sum.Chunks + s.Chunks);
        }
    }
}
