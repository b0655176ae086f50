namespace Sawmill.Storage.Chunks;

/// <summary>
/// One compressed, self-checking block (docs/format/chunk.md, "Block") as a view of bytes that are never mutated:
/// either a head block's own array or a slice of a chunk read from disk. <see cref="Source"/> names the file (or
/// "head") for corruption reports. Immutable; thread-safe.
/// </summary>
internal sealed class EncodedBlock(ReadOnlyMemory<byte> bytes, long minT, long maxT, int entries, int rawBytes, string source)
{
    public ReadOnlyMemory<byte> Bytes { get; } = bytes;
    public long MinT { get; } = minT;
    public long MaxT { get; } = maxT;
    public int Entries { get; } = entries;

    /// <summary>Sum of the line lengths (the raw line bytes the block stands for).</summary>
    public int RawBytes { get; } = rawBytes;

    public string Source { get; } = source;
}
