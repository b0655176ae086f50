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
        var groups = CollectSources(state, request, null, cancellationToken);
        return BlockSources.Iterators(groups, request, ChunkDamaged);
    }

    /// <summary>
    /// A damaged chunk of a persisted block: reported (warning, metric, log once); the query skips it and goes on. It is
    /// read again each time (its intact blocks still answer), so every query over it returns the same until compaction
    /// repairs it.
    /// </summary>
    private string ChunkDamaged(DiskChunkSource source, StorageCorruptionException error) => _damaged.Report(source.Block, source.Meta, error);

    /// <summary>The head's and the blocks' sources of the matching streams (the blocks named in <paramref name="omitBlocks"/> left out).</summary>
    private Dictionary<Labels, List<Source>> CollectSources(TenantState state, SelectRequest request, IReadOnlySet<string>? omitBlocks, CancellationToken cancellationToken)
    {
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
        if (omitBlocks is { Count: > 0 })
            blocks = Array.FindAll(blocks, b => !omitBlocks.Contains(b.Meta.Id));
        BlockSources.Collect(blocks, request.Matchers, request.StartNs, request.EndNs, groups, cancellationToken);
        return groups;
    }

    /// <summary>
    /// Writes, for a querier on another node, the sources a <see cref="Select"/> would merge — cut chunks, head blocks and
    /// not yet dropped blocks as stored, the open head block as entries (docs/format/wire.md) — without decoding them.
    /// Blocks named in <paramref name="omitBlocks"/> are left out: the querier's bucket view has them (uploaded, or replaced
    /// by the compactor's output) already.
    /// </summary>
    public async Task ExportSelectAsync(SelectRequest request, Stream output, CancellationToken cancellationToken, IReadOnlySet<string>? omitBlocks = null)
    {
        var lines = (request.Fields & EntryFields.Lines) == EntryFields.Lines || request.LineFilter != null;
        var groups = _tenants.TryGetValue(request.Tenant, out var state)
            ? CollectSources(state, request, omitBlocks, cancellationToken)
            : [];
        var w = new Binary.ByteWriter(1 << 16);
        try
        {
            SourceWire.WriteHeader(w, groups.Count);
            foreach (var (labels, sources) in groups)
            {
                cancellationToken.ThrowIfCancellationRequested();
                SourceWire.WriteStream(w, labels, sources, lines);
                if (w.Length >= 1 << 20)
                {
                    await output.WriteAsync(w.Buffer.AsMemory(0, w.Length), cancellationToken).ConfigureAwait(false);
                    w.Reset();
                }
            }
            await output.WriteAsync(w.Buffer.AsMemory(0, w.Length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var list in groups.Values)
                foreach (var source in list)
                    if (source is DecodedSource d)
                        d.Block.Dispose();
        }
    }

    /// <summary>Every stream matching <paramref name="matchers"/> (all when null) with data in [start, end), with its entry/byte/chunk figures.</summary>
    /// <param name="omitBlocks">Blocks to leave out (see <see cref="ExportSelectAsync"/>).</param>
    public Dictionary<Labels, StreamSummary> Summaries(string tenant, IReadOnlyList<LabelMatcher>? matchers, long startNs, long endNs, CancellationToken cancellationToken, IReadOnlySet<string>? omitBlocks = null)
    {
        var result = new Dictionary<Labels, StreamSummary>();
        if (!_tenants.TryGetValue(tenant, out var state))
            return result;
        BlockReader[] blocks;
        lock (state.ViewLock)
        {
            foreach (var s in state.Head.Match(matchers))
            {
                var (entries, bytes, chunks, any) = s.Summarize(startNs, endNs);
                if (any)
                    result[s.Labels] = new StreamSummary(entries, bytes, chunks);
            }
            blocks = state.Blocks;
        }
        if (omitBlocks is { Count: > 0 })
            blocks = Array.FindAll(blocks, b => !omitBlocks.Contains(b.Meta.Id));
        BlockSources.Summarize(blocks, matchers, startNs, endNs, result, cancellationToken);
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

    public IReadOnlyList<Labels> Series(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, CancellationToken cancellationToken) =>
        StreamSummaries.Series(Summaries(tenant, matchers, startNs, endNs, cancellationToken));

    public IReadOnlyList<string> LabelNames(string tenant, long startNs, long endNs, IReadOnlyList<LabelMatcher>? matchers, CancellationToken cancellationToken) =>
        StreamSummaries.LabelNames(Summaries(tenant, matchers, startNs, endNs, cancellationToken));

    public IReadOnlyList<string> LabelValues(string tenant, string name, long startNs, long endNs, IReadOnlyList<LabelMatcher>? matchers, CancellationToken cancellationToken) =>
        StreamSummaries.LabelValues(Summaries(tenant, matchers, startNs, endNs, cancellationToken), name);

    public IndexStats Stats(string tenant, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, CancellationToken cancellationToken) =>
        StreamSummaries.Stats(Summaries(tenant, matchers, startNs, endNs, cancellationToken));
}
