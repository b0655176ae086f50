using Sawmill.Core;
using Sawmill.Storage.Blocks;
using Sawmill.Storage.Chunks;
using Sawmill.Storage.Query;

namespace Sawmill.Storage;

// The read path: head and persisted blocks merged per stream.
public sealed partial class LogStore
{
    public IReadOnlyList<IEntryIterator> Select(SelectRequest request, CancellationToken cancellationToken)
    {
        if (!_tenants.TryGetValue(request.Tenant, out var state))
            return [];
        var lines = (request.Fields & EntryFields.Lines) == EntryFields.Lines || request.LineFilter != null;
        var metadata = (request.Fields & EntryFields.Metadata) != 0;
        var groups = new Dictionary<Labels, List<Source>>();
        BlockReader[] blocks;
        // Under the view lock a flush cannot move chunks from memory to a block between the two reads below.
        lock (state.ViewLock)
        {
            foreach (var stream in state.Head.Match(request.Matchers))
            {
                var list = new List<Source>();
                stream.CollectSources(request.StartNs, request.EndNs, lines, metadata, list);
                if (list.Count > 0)
                    groups[stream.Labels] = list;
            }
            blocks = state.Blocks;
        }
        foreach (var block in blocks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!block.Overlaps(request.StartNs, request.EndNs))
                continue;
            foreach (var i in block.Match(request.Matchers))
            {
                var (labels, chunks) = block.Series[i];
                List<Source>? list = null;
                foreach (var c in chunks)
                {
                    if (c.MinT >= request.EndNs || c.MaxT < request.StartNs)
                        continue;
                    if (list == null && !groups.TryGetValue(labels, out list))
                        groups[labels] = list = [];
                    list.Add(new DiskChunkSource(block, c));
                }
            }
        }
        var result = new List<IEntryIterator>(groups.Count);
        foreach (var (labels, sources) in groups)
            result.Add(new StreamIterator(labels, sources, request, ReadDiskChunk, ChunkDamaged));
        return result;
    }

    /// <summary>
    /// Reads a chunk of a persisted block. A damaged one is read again each time (its intact blocks still answer, the
    /// damaged ones are skipped with a warning), so every query over it returns the same until compaction repairs it.
    /// </summary>
    private static Chunk? ReadDiskChunk(DiskChunkSource source, IReadOnlyList<byte[]>? required) => source.Block.ReadChunk(source.Meta, required);

    private string ChunkDamaged(DiskChunkSource source, StorageCorruptionException error) => _damaged.Report(source.Block, source.Meta, error);

    /// <summary>Every stream matching <paramref name="matchers"/> with data in [start, end), with its entry/byte/chunk figures.</summary>
    private Dictionary<Labels, (long Entries, long Bytes, long Chunks)> Summaries(string tenant, IReadOnlyList<LabelMatcher>? matchers, long startNs, long endNs, CancellationToken cancellationToken)
    {
        var result = new Dictionary<Labels, (long Entries, long Bytes, long Chunks)>();
        if (!_tenants.TryGetValue(tenant, out var state))
            return result;
        BlockReader[] blocks;
        lock (state.ViewLock)
        {
            foreach (var s in state.Head.Match(matchers))
            {
                var (entries, bytes, chunks, any) = s.Summarize(startNs, endNs);
                if (any)
                    result[s.Labels] = (entries, bytes, chunks);
            }
            blocks = state.Blocks;
        }
        foreach (var block in blocks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!block.Overlaps(startNs, endNs))
                continue;
            foreach (var i in block.Match(matchers))
            {
                var (labels, chunks) = block.Series[i];
                foreach (var c in chunks)
                {
                    if (c.MinT >= endNs || c.MaxT < startNs)
                        continue;
                    result.TryGetValue(labels, out var sum);
                    result[labels] = (sum.Entries + c.Entries, sum.Bytes + c.RawBytes, sum.Chunks + 1);
                }
            }
        }
        return result;
    }

    /// <summary>
    /// True when the in-memory head still holds entries of matching streams within [start, end] (inclusive): those reach
    /// disk only with a later flush, so a compaction run now cannot have removed them yet.
    /// </summary>
    public bool HeadHolds(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs)
    {
        if (!_tenants.TryGetValue(tenant, out var state))
            return false;
        var end = endNs == long.MaxValue ? endNs : endNs + 1;
        foreach (var s in state.Head.Match(matchers))
            if (s.Summarize(startNs, end).Any)
                return true;
        return false;
    }

    public IReadOnlyList<Labels> Series(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, CancellationToken cancellationToken)
    {
        var result = Summaries(tenant, matchers, startNs, endNs, cancellationToken).Keys.ToList();
        result.Sort();
        return result;
    }

    public IReadOnlyList<string> LabelNames(string tenant, long startNs, long endNs, IReadOnlyList<LabelMatcher>? matchers, CancellationToken cancellationToken)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var labels in Summaries(tenant, matchers, startNs, endNs, cancellationToken).Keys)
            foreach (var l in labels.AsSpan())
                names.Add(l.Name);
        return names.ToList();
    }

    public IReadOnlyList<string> LabelValues(string tenant, string name, long startNs, long endNs, IReadOnlyList<LabelMatcher>? matchers, CancellationToken cancellationToken)
    {
        var values = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var labels in Summaries(tenant, matchers, startNs, endNs, cancellationToken).Keys)
            if (labels.Get(name) is { } v)
                values.Add(v);
        return values.ToList();
    }

    public IndexStats Stats(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, CancellationToken cancellationToken)
    {
        long streams = 0, chunks = 0, bytes = 0, entries = 0;
        foreach (var (_, s) in Summaries(tenant, matchers, startNs, endNs, cancellationToken))
        {
            streams++;
            chunks += s.Chunks;
            bytes += s.Bytes;
            entries += s.Entries;
        }
        return new IndexStats(streams, chunks, bytes, entries);
    }
}
