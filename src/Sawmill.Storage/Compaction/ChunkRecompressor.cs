using Sawmill.Storage.Chunks;

namespace Sawmill.Storage.Compaction;

/// <summary>
/// Re-encodes a flushed chunk for cold storage: every entry (timestamp, line, structured metadata) is kept, blocks are
/// re-cut at the settings' block size and compressed with zstd at the settings' level, the token filter is rebuilt in
/// the compact layout, and the chunk is marked recompressed so that no later run touches it again. Stateless.
/// </summary>
internal static class ChunkRecompressor
{
    public static Chunk Recompress(Chunk chunk, RecompressionSettings settings)
    {
        if (chunk.Recompressed)
            return chunk;
        var builder = ChunkBuilder.Cold(settings);
        using var decoded = new DecodedBlock();
        foreach (var block in chunk.Blocks)
        {
            BlockFormat.Decode(block, lines: true, metadata: true, decoded);
            for (var i = 0; i < decoded.Count; i++)
                builder.Append(decoded.Timestamps[i], decoded.Lines.AsSpan(decoded.Offsets[i], decoded.Lengths[i]), decoded.Metadata?[i]);
        }
        // A chunk always has at least one entry, so the builder has one too.
        return builder.Build() ?? throw new InvalidOperationException("recompressing an empty chunk");
    }
}
