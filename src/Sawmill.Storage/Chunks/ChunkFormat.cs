using System.Buffers.Binary;
using System.IO.Hashing;
using Sawmill.Core;
using Sawmill.Storage.Binary;

namespace Sawmill.Storage.Chunks;

/// <summary>
/// The persisted form of a <see cref="Chunk"/> (docs/format/chunk.md): magic <c>SMCK</c>, a header with the block table
/// and the token filter closed by its own CRC-32, then the blocks, each with its own CRC-32. Version 1 is what a flush
/// writes (flush-layout filter); version 2 is what the compactor's cold recompression writes: byte 6 holds flags (bit 0:
/// recompressed) and the filter has the compact layout (any word count, 1–4 probes). Readers accept both. Stateless.
/// </summary>
internal static class ChunkFormat
{
    public static ReadOnlySpan<byte> Magic => "SMCK"u8;
    public const byte Version = 1;

    /// <summary>The version of chunks re-encoded by cold recompression.</summary>
    public const byte VersionCold = 2;

    /// <summary>Version 2 header byte 6: the chunk was recompressed for cold storage and is left alone from then on.</summary>
    public const byte FlagRecompressed = 1;
    public const int FixedHeaderSize = 48;
    public const int BlockEntrySize = 32;

    public static int HeaderSize(int blocks, int filterWords) => FixedHeaderSize + blocks * BlockEntrySize + filterWords * 8 + 4;

    /// <summary>Appends the chunk's bytes to <paramref name="w"/>.</summary>
    public static void Write(Chunk chunk, ByteWriter w)
    {
        var start = w.Length;
        var filterWords = chunk.Filter?.Words.Length ?? 0;
        var cold = chunk.Recompressed;
        if (chunk.Filter != null && chunk.Filter.IsCompact != cold)
            throw new InvalidOperationException("a recompressed chunk carries a compact-layout filter and a flushed chunk a flush-layout one");
        w.WriteBytes(Magic);
        w.WriteByte(cold ? VersionCold : Version);
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
        w.WriteByte(0);
        w.WriteU16(0);
        var offset = HeaderSize(chunk.Blocks.Length, filterWords);
        foreach (var b in chunk.Blocks)
        {
            w.WriteI64(b.MinT);
            w.WriteI64(b.MaxT);
            w.WriteU32((uint)b.Entries);
            w.WriteU32((uint)b.RawBytes);
            w.WriteU32((uint)offset);
            w.WriteU32((uint)b.Bytes.Length);
            offset += b.Bytes.Length;
        }
        if (chunk.Filter != null)
            foreach (var word in chunk.Filter.Words)
                w.WriteU64(word);
        w.WriteU32(Crc32.HashToUInt32(w.WrittenSpan[start..]));
        foreach (var b in chunk.Blocks)
            w.WriteBytes(b.Bytes.Span);
    }

    /// <summary>
    /// Parses just the header of a chunk (its first <see cref="HeaderSize"/> bytes) and returns its token filter (null when
    /// it has none). Throws <see cref="StorageCorruptionException"/> naming <paramref name="source"/>.
    /// </summary>
    public static TrigramBloom? ReadFilter(ReadOnlySpan<byte> header, string source)
    {
        try
        {
            if (header.Length < FixedHeaderSize + 4 || !header[..4].SequenceEqual(Magic) || (header[4] != Version && header[4] != VersionCold))
                throw new InvalidDataException("not a chunk header (bad magic or version)");
            var nBlocks = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[28..]);
            var filterWords = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[40..]);
            var probes = header[44];
            if (nBlocks < 0 || filterWords < 0 || (long)HeaderSize(nBlocks, filterWords) != header.Length)
                throw new InvalidDataException("chunk header length does not match its counts");
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(header[^4..]);
            if (Crc32.HashToUInt32(header[..^4]) != crc)
                throw new InvalidDataException("chunk header checksum mismatch");
            var words = new ulong[filterWords];
            var at = FixedHeaderSize + nBlocks * BlockEntrySize;
            for (var i = 0; i < filterWords; i++)
                words[i] = BinaryPrimitives.ReadUInt64LittleEndian(header[(at + i * 8)..]);
            return Filter(header[4], words, probes);
        }
        catch (InvalidDataException e)
        {
            throw new StorageCorruptionException(source, e.Message, e);
        }
    }

    /// <summary>
    /// The filter of a chunk of <paramref name="version"/>: none when it has no words; a version-1 filter with a probe
    /// count other than 4 is ignored (the chunk is always read), as version-1 readers always did.
    /// </summary>
    private static TrigramBloom? Filter(byte version, ulong[] words, byte probes)
    {
        if (words.Length == 0)
            return null;
        if (version == Version)
            return probes == TrigramBloom.Probes ? TrigramBloom.FromWords(words) : null;
        return TrigramBloom.FromCompactWords(words, probes);
    }

    /// <summary>
    /// Parses a chunk whose bytes are all in <paramref name="bytes"/> (the blocks become views of it; their checksums
    /// are verified when they are decoded). Throws <see cref="StorageCorruptionException"/> naming <paramref name="source"/>.
    /// </summary>
    public static Chunk Read(ReadOnlyMemory<byte> bytes, string source)
    {
        try
        {
            var span = bytes.Span;
            if (span.Length < FixedHeaderSize + 4 || !span[..4].SequenceEqual(Magic))
                throw new InvalidDataException("not a chunk (bad magic)");
            var version = span[4];
            if (version != Version && version != VersionCold)
                throw new InvalidDataException($"unsupported chunk version {version}");
            var r = new ByteReader(span) { Position = 5 };
            var codec = (ChunkCodec)r.ReadByte();
            var flags = r.ReadByte();
            r.ReadByte();
            r.ReadI64();
            r.ReadI64();
            r.ReadU32();
            var nBlocks = (int)r.ReadU32();
            r.ReadU64();
            var filterWords = (int)r.ReadU32();
            var probes = r.ReadByte();
            if (nBlocks < 0 || filterWords < 0 || (long)nBlocks * BlockEntrySize + (long)filterWords * 8 > span.Length)
                throw new InvalidDataException("chunk header counts run past the chunk");
            var headerSize = HeaderSize(nBlocks, filterWords);
            if (headerSize > span.Length)
                throw new InvalidDataException("chunk header counts run past the chunk");
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(span[(headerSize - 4)..]);
            if (Crc32.HashToUInt32(span[..(headerSize - 4)]) != crc)
                throw new InvalidDataException("chunk header checksum mismatch");
            r.Position = FixedHeaderSize;
            var blocks = new EncodedBlock[nBlocks];
            long totalEntries = 0;
            for (var i = 0; i < nBlocks; i++)
            {
                var minT = r.ReadI64();
                var maxT = r.ReadI64();
                var entries = (int)r.ReadU32();
                var raw = (int)r.ReadU32();
                var offset = (int)r.ReadU32();
                var length = (int)r.ReadU32();
                if (offset < headerSize || length < 0 || (long)offset + length > span.Length)
                    throw new InvalidDataException($"block {i} lies outside the chunk");
                // A block holds at most one entry per byte of lines plus its header; counts beyond that are damage.
                totalEntries += entries;
                if (entries < 0 || raw < 0 || minT > maxT || totalEntries > int.MaxValue)
                    throw new InvalidDataException($"block {i} has impossible counts or bounds");
                blocks[i] = new EncodedBlock(bytes.Slice(offset, length), minT, maxT, entries, raw, source);
            }
            var words = new ulong[filterWords];
            for (var i = 0; i < filterWords; i++)
                words[i] = r.ReadU64();
            var recompressed = version == VersionCold && (flags & FlagRecompressed) != 0;
            return new Chunk(blocks, Filter(version, words, probes), codec, recompressed);
        }
        catch (InvalidDataException e)
        {
            throw new StorageCorruptionException(source, e.Message, e);
        }
    }
}
