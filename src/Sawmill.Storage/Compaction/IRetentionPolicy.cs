using Sawmill.Core;

namespace Sawmill.Storage.Compaction;

/// <summary>
/// What compaction must remove, supplied by the server's compactor (retention periods, <c>retention_stream</c> rules,
/// delete requests). Implementations must be thread-safe and cheap: <see cref="Cutoff"/> and <see cref="MayDelete"/>
/// run per chunk, <see cref="IsDeleted"/> per entry of the chunks that <see cref="MayDelete"/> selects.
/// </summary>
public interface IRetentionPolicy
{
    /// <summary>Entries of the stream older than this (Unix ns) are removed; <see cref="long.MinValue"/> keeps everything.</summary>
    long Cutoff(string tenant, Labels stream);

    /// <summary>True when a delete request may cover entries of the stream within [minT, maxT] (inclusive).</summary>
    bool MayDelete(string tenant, Labels stream, long minT, long maxT);

    /// <summary>True when the entry is covered by a delete request (matchers, time range, optional line filter).</summary>
    bool IsDeleted(string tenant, Labels stream, long timestampNs, ReadOnlySpan<byte> line);
}

/// <summary>What a compaction (of the local store or of the bucket) looks at in its input blocks. Stateless.</summary>
internal static class CompactionScan
{
    /// <summary>The chunks of every series of the blocks, by series.</summary>
    public static Dictionary<Labels, List<(Blocks.BlockReader Block, Blocks.ChunkMeta Chunk)>> SeriesOf(IEnumerable<Blocks.BlockReader> blocks)
    {
        var series = new Dictionary<Labels, List<(Blocks.BlockReader Block, Blocks.ChunkMeta Chunk)>>();
        foreach (var b in blocks)
            foreach (var (labels, chunks) in b.Series)
            {
                if (!series.TryGetValue(labels, out var list))
                    series[labels] = list = [];
                foreach (var c in chunks)
                    list.Add((b, c));
            }
        return series;
    }

    /// <summary>True when the policy removes something from the block (a chunk older than its stream's cutoff, or one a delete may touch).</summary>
    public static bool NeedsRewrite(Blocks.BlockReader block, string tenant, IRetentionPolicy? policy)
    {
        if (policy == null)
            return false;
        foreach (var (labels, chunks) in block.Series)
        {
            var cutoff = policy.Cutoff(tenant, labels);
            foreach (var c in chunks)
                if (c.MinT < cutoff || policy.MayDelete(tenant, labels, c.MinT, c.MaxT))
                    return true;
        }
        return false;
    }
}
