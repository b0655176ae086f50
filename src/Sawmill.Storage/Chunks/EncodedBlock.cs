namespace Sawmill.Storage.Chunks;

/// <summary>
/// One compressed, self-checking block (docs/format/chunk.md, "Block") as a view of bytes that are never mutated:
/// either a head block's own array or a slice of a chunk read from disk, with the block's token filter when it has one
/// (built when the block was sealed, or read from a version-3 chunk). <see cref="Source"/> names the file (or "head")
/// for corruption reports. Immutable; thread-safe.
/// </summary>
internal sealed class EncodedBlock(ReadOnlyMemory<byte> bytes, long minT, long maxT, int entries, int rawBytes, string source, byte[]? tokenFilter = null)
{
    public ReadOnlyMemory<byte> Bytes { get; } = bytes;
    public long MinT { get; } = minT;
    public long MaxT { get; } = maxT;
    public int Entries { get; } = entries;

    /// <summary>Sum of the line lengths (the raw line bytes the block stands for).</summary>
    public int RawBytes { get; } = rawBytes;

    public string Source { get; } = source;

    /// <summary>The serialized <see cref="Chunks.TokenFilter"/> of the block's lines; null when it has none (always read).</summary>
    public byte[]? TokenFilter { get; } = tokenFilter;

    /// <summary>The same block with <paramref name="filter"/> as its token filter.</summary>
    public EncodedBlock WithTokenFilter(byte[]? filter) => new(Bytes, MinT, MaxT, Entries, RawBytes, Source, filter);
}
