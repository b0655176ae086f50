namespace Sawmill.Storage.Chunks;

/// <summary>
/// A cut chunk of one stream: its blocks (each sorted by time; blocks may overlap when out-of-order entries arrived),
/// the trigram filter (the blocks carry their own token filters), and summary figures. <paramref name="recompressed"/> marks a chunk the compactor re-encoded for
/// cold storage (persisted as chunk version 2, see docs/format/chunk.md): it is never recompressed again. Immutable;
/// thread-safe.
/// </summary>
internal sealed class Chunk(EncodedBlock[] blocks, TrigramBloom? filter, ChunkCodec codec, bool recompressed = false)
{
    public EncodedBlock[] Blocks { get; } = blocks;
    public TrigramBloom? Filter { get; } = filter;
    public ChunkCodec Codec { get; } = codec;

    /// <summary>Re-encoded by the compactor's cold recompression (high zstd level, larger blocks, compact filter).</summary>
    public bool Recompressed { get; } = recompressed;

    public long MinT { get; } = blocks.Length == 0 ? long.MaxValue : blocks.Min(b => b.MinT);
    public long MaxT { get; } = blocks.Length == 0 ? long.MinValue : blocks.Max(b => b.MaxT);
    public int Entries { get; } = blocks.Sum(b => b.Entries);
    public long RawBytes { get; } = blocks.Sum(b => (long)b.RawBytes);
    public long StoredBytes { get; } = blocks.Sum(b => (long)b.Bytes.Length);
}
