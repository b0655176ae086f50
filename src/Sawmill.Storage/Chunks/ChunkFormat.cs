using System.Buffers.Binary;
using System.IO.Hashing;
using Sawmill.Core;
using Sawmill.Storage.Binary;

namespace Sawmill.Storage.Chunks;

/// <summary>
/// The persisted form of a <see cref="Chunk"/> (docs/format/chunk.md): magic <c>SMCK</c>, a header with the block table,
/// the trigram filter and (version 3) the blocks' token filters, closed by its own CRC-32, then the blocks, each with
/// its own CRC-32. Every writer writes version 3 — byte 6 flag bit 0 marks a chunk recompressed for cold storage, whose
/// trigram filter has the compact layout; readers accept versions 1 (flush, no token filters) and 2 (cold, no token
/// filters) too. Stateless.
/// </summary>
internal static class ChunkFormat
{
    public static ReadOnlySpan<byte> Magic => "SMCK"u8;

    /// <summary>The version every writer writes.</summary>
    public const byte Version = 3;

    /// <summary>Flushed chunks before version 3 (trigram filter only).</summary>
    public const byte VersionFlushV1 = 1;

    /// <summary>Cold chunks before version 3 (compact trigram filter, byte 6 flags).</summary>
    public const byte VersionColdV2 = 2;

    /// <summary>Header byte 6 (versions 2 and 3): the chunk was recompressed for cold storage and is left alone from then on.</summary>
    public const byte FlagRecompressed = 1;

    /// <summary>Block table flags (version 3): some entry of the block has structured metadata.</summary>
    public const uint BlockFlagMetadata = 1;

    public const int FixedHeaderSize = 48;
    private const int BlockEntrySizeV1 = 32;
    public const int BlockEntrySize = 48;

    /// <summary>Header length of a version-3 chunk.</summary>
    public static int HeaderSize(Chunk chunk)
    {
        var size = FixedHeaderSize + chunk.Blocks.Length * BlockEntrySize + (chunk.Filter?.Words.Length ?? 0) * 8 + 4;
        foreach (var b in chunk.Blocks)
            size += b.TokenFilter?.Length ?? 0;
        return size;
    }

    /// <summary>Appends the chunk's bytes (version 3) to <paramref name="w"/>; returns the header length.</summary>
    public static int Write(Chunk chunk, ByteWriter w)
    {
        var start = w.Length;
        var filterWords = chunk.Filter?.Words.Length ?? 0;
        var cold = chunk.Recompressed;
        if (chunk.Filter != null && chunk.Filter.IsCompact != cold)
            throw new InvalidOperationException("a recompressed chunk carries a compact-layout filter and a flushed chunk a flush-layout one");
        w.WriteBytes(Magic);
        w.WriteByte(Version);
        w.WriteByte((byte)chunk.Codec);
        w.WriteByte(cold ? FlagRecompressed : (byte)0);
        w.WriteByte(0);
        w.WriteI64(chunk.MinT);
        w.WriteI64(chunk.MaxT);
        w.WriteU32((uint)chunk.Entries);
        w.WriteU32((uint)chunk.Blocks.Length);
        w.WriteU64((ulong)chunk.RawBytes);
        w.WriteU32((uint)filterWords);
        w.WriteByte(chunk.Filter?.ProbeCount ?? 0);
        w.WriteByte(BlockEntrySize);
        w.WriteU16(0);
        var headerSize = HeaderSize(chunk);
        var offset = headerSize;
        foreach (var b in chunk.Blocks)
        {
            var bytes = b.Bytes.Span;
            var prefix = BlockFormat.PrefixLength(bytes, b.Source);
            w.WriteI64(b.MinT);
            w.WriteI64(b.MaxT);
            w.WriteU32((uint)b.Entries);
            w.WriteU32((uint)b.RawBytes);
            w.WriteU32((uint)offset);
            w.WriteU32((uint)bytes.Length);
            w.WriteU32((uint)prefix);
            w.WriteU32(Crc32.HashToUInt32(bytes[..prefix]));
            w.WriteU32((uint)(b.TokenFilter?.Length ?? 0));
            w.WriteU32(BlockFormat.HasMetadata(bytes) ? BlockFlagMetadata : 0);
            offset += bytes.Length;
        }
        if (chunk.Filter != null)
            foreach (var word in chunk.Filter.Words)
                w.WriteU64(word);
        foreach (var b in chunk.Blocks)
            if (b.TokenFilter != null)
                w.WriteBytes(b.TokenFilter);
        w.WriteU32(Crc32.HashToUInt32(w.WrittenSpan[start..]));
        if (w.Length - start != headerSize)
            throw new InvalidOperationException("chunk header length differs from its computed size");
        foreach (var b in chunk.Blocks)
            w.WriteBytes(b.Bytes.Span);
        return headerSize;
    }

    /// <summary>
    /// Parses a chunk header — exactly its bytes, of any version — checking its CRC and every length in it. Throws
    /// <see cref="StorageCorruptionException"/> naming <paramref name="source"/>.
    /// </summary>
    public static ChunkHeader ParseHeader(ReadOnlySpan<byte> header, string source)
    {
        try
        {
            var h = Parse(header, header.Length, out var headerSize);
            if (headerSize != header.Length)
                throw new InvalidDataException("chunk header length does not match its counts");
            return h;
        }
        catch (InvalidDataException e)
        {
            throw new StorageCorruptionException(source, e.Message, e);
        }
    }

    /// <summary>
    /// Parses a chunk whose bytes are all in <paramref name="bytes"/> (the blocks become views of it, with their token
    /// filters copied; their checksums are verified when they are decoded). Throws <see cref="StorageCorruptionException"/>
    /// naming <paramref name="source"/>.
    /// </summary>
    public static Chunk Read(ReadOnlyMemory<byte> bytes, string source)
    {
        try
        {
            var span = bytes.Span;
            var h = Parse(span, span.Length, out var headerSize);
            var blocks = new EncodedBlock[h.Blocks.Length];
            for (var i = 0; i < blocks.Length; i++)
            {
                var b = h.Blocks[i];
                if (b.Offset < headerSize || (long)b.Offset + b.Length > span.Length)
                    throw new InvalidDataException($"block {i} lies outside the chunk");
                var filter = b.FilterLength > 0 ? span.Slice(b.FilterOffset, b.FilterLength).ToArray() : null;
                blocks[i] = new EncodedBlock(bytes.Slice(b.Offset, b.Length), b.MinT, b.MaxT, b.Entries, b.RawBytes, source, filter);
            }
            return new Chunk(blocks, h.Trigrams(span), h.Codec, h.Recompressed);
        }
        catch (InvalidDataException e)
        {
            throw new StorageCorruptionException(source, e.Message, e);
        }
    }

    /// <summary>
    /// Parses the header at the start of <paramref name="span"/> (of which <paramref name="available"/> bytes may be read)
    /// and checks its CRC; <paramref name="headerSize"/> is its length.
    /// </summary>
    private static ChunkHeader Parse(ReadOnlySpan<byte> span, int available, out int headerSize)
    {
        if (span.Length < FixedHeaderSize + 4 || !span[..4].SequenceEqual(Magic))
            throw new InvalidDataException("not a chunk (bad magic)");
        var version = span[4];
        if (version is not (VersionFlushV1 or VersionColdV2 or Version))
            throw new InvalidDataException($"unsupported chunk version {version}");
        var codec = (ChunkCodec)span[5];
        var flags = span[6];
        var nBlocks = BinaryPrimitives.ReadUInt32LittleEndian(span[28..]);
        var filterWords = BinaryPrimitives.ReadUInt32LittleEndian(span[40..]);
        var probes = span[44];
        var entrySize = version == Version ? span[45] : BlockEntrySizeV1;
        if (version == Version && entrySize != BlockEntrySize)
            throw new InvalidDataException($"unsupported block table entry size {entrySize}");
        long tableEnd = FixedHeaderSize + (long)nBlocks * entrySize;
        long filterEnd = tableEnd + (long)filterWords * 8;
        if (filterEnd + 4 > available)
            throw new InvalidDataException("chunk header counts run past the chunk");
        var blocks = new BlockRef[nBlocks];
        long tokenFilters = 0, totalEntries = 0;
        for (var i = 0; i < blocks.Length; i++)
        {
            var e = span[(FixedHeaderSize + i * entrySize)..];
            var minT = BinaryPrimitives.ReadInt64LittleEndian(e);
            var maxT = BinaryPrimitives.ReadInt64LittleEndian(e[8..]);
            var entries = BinaryPrimitives.ReadUInt32LittleEndian(e[16..]);
            var raw = BinaryPrimitives.ReadUInt32LittleEndian(e[20..]);
            var offset = BinaryPrimitives.ReadUInt32LittleEndian(e[24..]);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(e[28..]);
            if (entries > int.MaxValue || raw > int.MaxValue || offset > int.MaxValue || length > int.MaxValue)
                throw new InvalidDataException($"block {i} has impossible sizes");
            // A chunk's entries are counted in an int; bounds out of order or counts beyond that are damage.
            totalEntries += entries;
            if (minT > maxT || totalEntries > int.MaxValue)
                throw new InvalidDataException($"block {i} has impossible counts or bounds");
            uint prefix = 0, prefixCrc = 0, filterLength = 0, blockFlags = 0;
            if (version == Version)
            {
                prefix = BinaryPrimitives.ReadUInt32LittleEndian(e[32..]);
                prefixCrc = BinaryPrimitives.ReadUInt32LittleEndian(e[36..]);
                filterLength = BinaryPrimitives.ReadUInt32LittleEndian(e[40..]);
                blockFlags = BinaryPrimitives.ReadUInt32LittleEndian(e[44..]);
                if (prefix > length || filterLength > int.MaxValue)
                    throw new InvalidDataException($"block {i} has impossible sizes");
            }
            blocks[i] = new BlockRef((int)offset, (int)length, minT, maxT, (int)entries, (int)raw, (int)prefix, prefixCrc,
                (int)(filterEnd + tokenFilters), (int)filterLength, version != Version || (blockFlags & BlockFlagMetadata) != 0);
            tokenFilters += filterLength;
        }
        var size = filterEnd + tokenFilters + 4;
        if (size > available)
            throw new InvalidDataException("chunk header counts run past the chunk");
        headerSize = (int)size;
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(span[(headerSize - 4)..]);
        if (Crc32.HashToUInt32(span[..(headerSize - 4)]) != crc)
            throw new InvalidDataException("chunk header checksum mismatch");
        foreach (var b in blocks)
            if (b.FilterLength > 0 && !TokenFilter.IsWellFormed(span.Slice(b.FilterOffset, b.FilterLength)))
                throw new InvalidDataException("token filter fields do not match its length");
        var recompressed = version != VersionFlushV1 && (flags & FlagRecompressed) != 0;
        // Version 2 always has the compact layout; version 3 has it when recompressed. A flush-layout filter with a probe
        // count other than 4 is ignored (the chunk is always read), as version-1 readers always did.
        var compact = version == VersionColdV2 || version == Version && recompressed;
        var trigramProbes = filterWords == 0 || !compact && probes != TrigramBloom.Probes ? 0 : probes;
        if (trigramProbes != 0 && !compact && (filterWords & (filterWords - 1)) != 0)
            throw new InvalidDataException("trigram filter size is not a power of two");
        if (compact && filterWords > 0 && (probes < 1 || probes > TrigramBloom.MaxCompactProbes))
            throw new InvalidDataException($"trigram filter probe count {probes} is out of range");
        return new ChunkHeader(version, codec, recompressed, blocks, (int)tableEnd, trigramProbes == 0 ? 0 : (int)filterWords, compact, trigramProbes);
    }
}

/// <summary>One block of a chunk as its header describes it; offsets are from the chunk's start.</summary>
/// <param name="PrefixLength">Bytes [0, PrefixLength) of the block decode its timestamps and lengths; 0 when unknown (versions 1 and 2).</param>
/// <param name="FilterOffset">Where the block's token filter starts in the header; <paramref name="FilterLength"/> 0 = none.</param>
/// <param name="HasMetadata">Some entry may have structured metadata (always true before version 3).</param>
internal readonly record struct BlockRef(int Offset, int Length, long MinT, long MaxT, int Entries, int RawBytes, int PrefixLength, uint PrefixCrc,
    int FilterOffset, int FilterLength, bool HasMetadata);

/// <summary>
/// A parsed chunk header. The filters are not copied: <see cref="TrigramsMayContain"/> and the blocks' token filters
/// are read from the header bytes, which the caller keeps while it tests them. Immutable.
/// </summary>
internal sealed class ChunkHeader(byte version, ChunkCodec codec, bool recompressed, BlockRef[] blocks, int trigramOffset, int trigramWords, bool compact, int trigramProbes)
{
    public byte Version { get; } = version;
    public ChunkCodec Codec { get; } = codec;
    public bool Recompressed { get; } = recompressed;
    public BlockRef[] Blocks { get; } = blocks;

    /// <summary>False when the trigram filter in <paramref name="header"/> proves that no line contains <paramref name="needle"/>.</summary>
    public bool TrigramsMayContain(ReadOnlySpan<byte> header, ReadOnlySpan<byte> needle) =>
        trigramWords == 0 || TrigramBloom.MayContainSubstring(header.Slice(trigramOffset, trigramWords * 8), compact, trigramProbes, needle);

    /// <summary>The trigram filter as an object (for a chunk kept in memory); null when there is none.</summary>
    public TrigramBloom? Trigrams(ReadOnlySpan<byte> header)
    {
        if (trigramWords == 0)
            return null;
        var words = new ulong[trigramWords];
        for (var i = 0; i < words.Length; i++)
            words[i] = BinaryPrimitives.ReadUInt64LittleEndian(header[(trigramOffset + i * 8)..]);
        return compact ? TrigramBloom.FromCompactWords(words, trigramProbes) : TrigramBloom.FromWords(words);
    }
}
