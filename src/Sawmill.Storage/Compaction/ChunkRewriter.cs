using Sawmill.Core;
using Sawmill.Storage.Chunks;

namespace Sawmill.Storage.Compaction;

/// <summary>
/// Re-encodes a chunk without the entries a retention cutoff or delete removes. Untouched chunks are not passed here
/// (they are copied byte for byte). Stateless.
/// </summary>
internal static class ChunkRewriter
{
    /// <summary>Returns the rewritten chunk (null when nothing is left) and the number of entries removed.</summary>
    public static (Chunk? Chunk, long Removed) Rewrite(Chunk chunk, string tenant, Labels labels, long cutoff, IRetentionPolicy? policy, int blockSize)
    {
        var mayDelete = policy != null && policy.MayDelete(tenant, labels, chunk.MinT, chunk.MaxT);
        var blocks = new List<EncodedBlock>();
        var trigrams = new List<int[]>();
        var raw = new RawBlock();
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
                raw.TryAppend(ts, line, decoded.Metadata?[i]);
                if (raw.DataLength >= blockSize)
                    Seal(raw, chunk.Codec, blocks, trigrams);
            }
        }
        Seal(raw, chunk.Codec, blocks, trigrams);
        if (blocks.Count == 0)
            return (null, removed);
        return (new Chunk([.. blocks], TrigramBloom.Build(TrigramSet.Union(trigrams), blocks.Sum(b => (long)b.Bytes.Length)), chunk.Codec), removed);
    }

    private static void Seal(RawBlock raw, ChunkCodec codec, List<EncodedBlock> blocks, List<int[]> trigrams)
    {
        if (raw.Count == 0)
            return;
        blocks.Add(BlockFormat.Encode(raw, codec, "compaction"));
        trigrams.Add(TrigramSet.Collect(raw));
        raw.Clear();
    }
}
