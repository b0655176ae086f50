using Sawmill.Core;
using Sawmill.Storage.Blocks;

namespace Sawmill.Storage.Query;

/// <summary>
/// What persisted blocks contribute to a read: the chunk sources of the matching series within a range (for
/// <see cref="StreamIterator"/>) and per-stream figures (for series, labels and stats). Shared by the store's own blocks
/// and a bucket's blocks. Stateless.
/// </summary>
internal static class BlockSources
{
    /// <summary>Adds the chunks of matching series overlapping [start, end) to <paramref name="groups"/>.</summary>
    public static void Collect(BlockReader[] blocks, IReadOnlyList<LabelMatcher> matchers, long startNs, long endNs, Dictionary<Labels, List<Source>> groups, CancellationToken cancellationToken)
    {
        foreach (var (block, labels, c) in OverlappingChunks(blocks, matchers, startNs, endNs, cancellationToken))
        {
            if (!groups.TryGetValue(labels, out var list))
                groups[labels] = list = [];
            list.Add(new DiskChunkSource(block, c));
        }
    }

    /// <summary>Adds the entry/byte/chunk figures of matching series within [start, end) to <paramref name="result"/>.</summary>
    public static void Summarize(IEnumerable<BlockReader> blocks, IReadOnlyList<LabelMatcher>? matchers, long startNs, long endNs, Dictionary<Labels, StreamSummary> result, CancellationToken cancellationToken)
    {
        foreach (var (_, labels, c) in OverlappingChunks(blocks, matchers, startNs, endNs, cancellationToken))
        {
            result.TryGetValue(labels, out var sum);
            result[labels] = new StreamSummary(sum.Entries + c.Entries, sum.Bytes + c.RawBytes, sum.Chunks + 1);
        }
    }

    /// <summary>The chunks of matching series that overlap [start, end), block by block (cancellable between blocks).</summary>
    private static IEnumerable<(BlockReader Block, Labels Labels, ChunkMeta Chunk)> OverlappingChunks(IEnumerable<BlockReader> blocks,
        IReadOnlyList<LabelMatcher>? matchers, long startNs, long endNs, CancellationToken cancellationToken)
    {
        foreach (var block in blocks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!block.Overlaps(startNs, endNs))
                continue;
            foreach (var i in block.Match(matchers))
            {
                var (labels, chunks) = block.Series[i];
                foreach (var c in chunks)
                    if (c.MinT < endNs && c.MaxT >= startNs)
                        yield return (block, labels, c);
            }
        }
    }

    /// <summary>
    /// Iterators over the collected sources, one per stream; <paramref name="damaged"/> reports a damaged chunk (which is
    /// then skipped), <paramref name="dedupe"/> names the streams that hold replicas.
    /// </summary>
    public static List<IEntryIterator> Iterators(Dictionary<Labels, List<Source>> groups, SelectRequest request,
        Func<DiskChunkSource, StorageCorruptionException, string>? damaged, Func<Labels, bool>? dedupe = null)
    {
        var result = new List<IEntryIterator>(groups.Count);
        var plan = SearchPlan.For(request);
        foreach (var (labels, sources) in groups)
            result.Add(new StreamIterator(labels, sources, request, plan?.ForStream(labels), damaged, dedupe?.Invoke(labels) ?? false));
        return result;
    }
}

/// <summary>Figures of one stream within a range: entries, raw line bytes, chunks.</summary>
public readonly record struct StreamSummary(long Entries, long Bytes, long Chunks);
