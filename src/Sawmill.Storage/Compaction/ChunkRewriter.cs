using Sawmill.Core;
using Sawmill.Storage.Chunks;

namespace Sawmill.Storage.Compaction;

/// <summary>
/// Re-encodes a chunk without the entries a retention cutoff or delete removes. Untouched chunks are not passed here
/// (they are copied byte for byte). A recompressed (cold) chunk stays cold: it is re-encoded with the cold settings.
/// Stateless.
/// </summary>
internal static class ChunkRewriter
{
    /// <summary>Returns the rewritten chunk (null when nothing is left) and the number of entries removed.</summary>
    public static (Chunk? Chunk, long Removed) Rewrite(Chunk chunk, string tenant, Labels labels, long cutoff, IRetentionPolicy? policy, int blockSize, RecompressionSettings cold)
    {
        var mayDelete = policy != null && policy.MayDelete(tenant, labels, chunk.MinT, chunk.MaxT);
        var builder = chunk.Recompressed ? ChunkBuilder.Cold(cold) : ChunkBuilder.Flush(chunk.Codec, blockSize);
        long removed = 0;
        using var decoded = new DecodedBlock();
        foreach (var block in chunk.Blocks)
        {
            BlockFormat.Decode(block, lines: true, metadata: true, decoded);
            for (var i = 0; i < decoded.Count; i++)
            {
                var ts = decoded.Timestamps[i];
                var line = decoded.Lines.AsSpan(decoded.Offsets[i], decoded.Lengths[i]);
                if (ts < cutoff || (mayDelete && policy!.IsDeleted(tenant, labels, ts, line)))
                {
                    removed++;
                    continue;
                }
                builder.Append(ts, line, decoded.Metadata?[i]);
            }
        }
        return (builder.Build(), removed);
    }
}
