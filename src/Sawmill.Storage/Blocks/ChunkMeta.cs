namespace Sawmill.Storage.Blocks;

/// <summary>
/// A chunk reference from a block index: time bounds, counts, and where its bytes are in the block's <c>chunks</c>
/// file (<see cref="HeaderLength"/> lets a reader fetch just the header with the token filter first). Immutable.
/// </summary>
internal sealed record ChunkMeta(long MinT, long MaxT, int Entries, long RawBytes, long Offset, int Length, int HeaderLength);
