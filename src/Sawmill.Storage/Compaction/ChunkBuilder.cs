using Sawmill.Core;
using Sawmill.Storage.Chunks;

namespace Sawmill.Storage.Compaction;

/// <summary>
/// Builds one chunk from entries appended in (mostly) time order, as the compactor's rewrites need it: blocks are
/// sealed at <c>blockSize</c> raw line bytes and compressed with the given codec and zstd level, and the token filter
/// is built at the end from the blocks' trigrams — the flush layout for a flush-encoded chunk, the compact layout for a
/// recompressed (cold) one. Not thread-safe; one chunk per instance.
/// </summary>
internal sealed class ChunkBuilder(ChunkCodec codec, int zstdLevel, int blockSize, bool recompressed)
{
    private readonly List<EncodedBlock> _blocks = [];
    private readonly List<int[]> _trigrams = [];
    private readonly RawBlock _raw = new();

    /// <summary>Builds a chunk encoded as a flush encodes it (zstd at the flush level, the store's block size).</summary>
    public static ChunkBuilder Flush(ChunkCodec codec, int blockSize) => new(codec, Compression.ZstdLevel, blockSize, recompressed: false);

    /// <summary>Builds a chunk encoded for cold storage (always zstd, at the settings' level and block size).</summary>
    public static ChunkBuilder Cold(RecompressionSettings settings) => new(ChunkCodec.Zstd, settings.ZstdLevel, settings.BlockSize, recompressed: true);

    /// <summary>Compressed bytes of the blocks sealed so far (what a head compares to <c>chunk_target_size</c>).</summary>
    public long SealedBytes { get; private set; }

    /// <summary>Appends an entry (an exact duplicate of one in the open block is dropped, as everywhere in the store).</summary>
    public void Append(long timestampNs, ReadOnlySpan<byte> line, Label[]? metadata)
    {
        _raw.TryAppend(timestampNs, line, metadata);
        if (_raw.DataLength >= blockSize)
            Seal();
    }

    /// <summary>The chunk of everything appended; null when nothing was.</summary>
    public Chunk? Build()
    {
        Seal();
        if (_blocks.Count == 0)
            return null;
        var ids = TrigramSet.Union(_trigrams);
        var stored = _blocks.Sum(b => (long)b.Bytes.Length);
        var filter = recompressed ? TrigramBloom.BuildCompact(ids, stored) : TrigramBloom.Build(ids, stored);
        return new Chunk([.. _blocks], filter, codec, recompressed);
    }

    private void Seal()
    {
        if (_raw.Count == 0)
            return;
        // Cold blocks drop the line-length column (docs/format/chunk.md, flag bit 1): lengths of cold data are found by
        // decompressing the lines, which only bytes_over_time-style queries need.
        // They also keep long numbers (ids, epoch times) apart from the text when that pays (flag bit 2).
        var (block, trigrams) = BlockSealer.Seal(_raw, codec, "compaction", zstdLevel, implicitLengths: recompressed, numberColumn: recompressed);
        _blocks.Add(block);
        SealedBytes += block.Bytes.Length;
        _trigrams.Add(trigrams);
        _raw.Clear();
    }
}
