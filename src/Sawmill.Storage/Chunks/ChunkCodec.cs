namespace Sawmill.Storage.Chunks;

/// <summary>Compression of the line section of a block. The numeric values are persisted (docs/format/chunk.md).</summary>
public enum ChunkCodec : byte
{
    None = 0,
    Zstd = 1,
    Snappy = 2,
    Lz4 = 3,
}
