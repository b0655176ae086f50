using Sawmill.Storage.Chunks;

namespace Sawmill.Storage.Query;

/// <summary>
/// Something a <see cref="StreamIterator"/> can read entries from, known before it is opened only by its time bounds:
/// a chunk (in memory or on disk), one encoded block, or a copy of the head's open block. Opening is deferred until
/// the merge reaches <see cref="MinT"/> (forward) or <see cref="MaxT"/> (backward), so a query that stops early never
/// reads the rest. Not thread-safe.
/// </summary>
internal abstract class Source(long minT, long maxT)
{
    public long MinT { get; } = minT;
    public long MaxT { get; } = maxT;
}

/// <summary>A chunk held in memory (cut but not yet flushed).</summary>
internal sealed class MemChunkSource(Chunk chunk) : Source(chunk.MinT, chunk.MaxT)
{
    public Chunk Chunk { get; } = chunk;
}

/// <summary>
/// A chunk inside a persisted block. When opened, its header is read first (filters, block table); then only the blocks
/// a query may need are read, each with its own positioned read (<see cref="DiskBlockSource"/>).
/// </summary>
internal sealed class DiskChunkSource(Blocks.BlockReader block, Blocks.ChunkMeta meta) : Source(meta.MinT, meta.MaxT)
{
    public Blocks.BlockReader Block { get; } = block;
    public Blocks.ChunkMeta Meta { get; } = meta;
}

/// <summary>One block of a version-3 chunk on disk, read (whole, or only its prefix) when opened.</summary>
internal sealed class DiskBlockSource(DiskChunkSource chunk, BlockRef block) : Source(block.MinT, block.MaxT)
{
    public DiskChunkSource Chunk { get; } = chunk;
    public BlockRef Block { get; } = block;
}

/// <summary>One encoded block; <see cref="Origin"/> is the disk chunk it came from, if any (to name it when it is damaged).</summary>
internal sealed class EncodedBlockSource(EncodedBlock block, bool fromHead, DiskChunkSource? origin = null) : Source(block.MinT, block.MaxT)
{
    public EncodedBlock Block { get; } = block;
    public bool FromHead { get; } = fromHead;
    public DiskChunkSource? Origin { get; } = origin;
}

/// <summary>Entries copied out of the head's open block (already decoded; owned by the source).</summary>
internal sealed class DecodedSource(DecodedBlock block, long minT, long maxT) : Source(minT, maxT)
{
    public DecodedBlock Block { get; } = block;
}
