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
}
