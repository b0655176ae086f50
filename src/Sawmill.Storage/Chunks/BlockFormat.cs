using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using Sawmill.Core;
using Sawmill.Storage.Binary;

namespace Sawmill.Storage.Chunks;

/// <summary>
/// Encodes and decodes one block (docs/format/chunk.md, "Block"): a 32-byte header, delta-encoded timestamps and line
/// lengths kept apart from the compressed lines (so timestamp- or length-only reads never decompress a line), optional
/// compressed structured metadata, and a trailing CRC-32 of everything before it. Thread-safe (stateless).
/// </summary>
internal static class BlockFormat
{
    public const int HeaderSize = 32;

    /// <summary>Header byte 29: the timestamp and length columns are stored compressed (u32 stored length, then the frame).</summary>
    public const byte FlagColumnsCompressed = 1;

    /// <summary>
    /// The largest raw lines or metadata section a reader accepts (64 MiB; writers cut blocks at 256 KiB, cold blocks
    /// at 1 MiB). Larger stated sizes are damage, refused before anything is allocated.
    /// </summary>
    public const int MaxRawSection = 64 << 20;

    /// <summary>
    /// Header byte 29: no line-length column (L = 0); every line is followed by <c>\n</c> in the lines section, whose raw
    /// length is then the sum of the line lengths plus the entry count. Written only in cold (recompressed) blocks.
    /// </summary>
    public const byte FlagImplicitLengths = 2;

    /// <summary>
    /// Header byte 29: the lines section holds the text and its long numbers apart (<see cref="NumberColumn"/>). Written
    /// only in cold zstd blocks whose lines carry enough 10–19 digit numbers for it to pay.
    /// </summary>
    public const byte FlagNumberColumn = 4;

    [ThreadStatic]
    private static ByteWriter? t_columns;

    /// <summary>
    /// Encodes the entries of <paramref name="raw"/> (sorted by timestamp) into a new exact-size array. The flush path
    /// uses the flush level (<see cref="Compression.ZstdLevel"/>, zstd 1); the compactor's cold recompression a higher level.
    /// </summary>
    /// <param name="implicitLengths">
    /// Cold blocks: store no line-length column, but end every line with <c>\n</c> inside the compressed lines (header
    /// flag bit 1), which the codec stores almost for free where the column cost 2–6 bits per line. Ignored (explicit
    /// lengths are written) when a line contains <c>\n</c> itself. A reader of such a block finds lengths only by
    /// decompressing the lines, so the flush path, whose blocks serve <c>bytes_over_time</c> from the column, keeps it.
    /// </param>
    /// <param name="numberColumn">Cold blocks: store long numbers apart from the text when that pays (flag bit 2).</param>
    public static EncodedBlock Encode(RawBlock raw, ChunkCodec codec, string source = "head", int zstdLevel = Compression.ZstdLevel, bool implicitLengths = false, bool numberColumn = false)
    {
        var n = raw.Count;
        if (implicitLengths)
            for (var i = 0; i < n && implicitLengths; i++)
                implicitLengths = !raw.LineAt(i).Contains((byte)'\n');
        var w = new ByteWriter(HeaderSize + n * 4 + 16);
        w.Reserve(HeaderSize).Clear();
        // Timestamps: the first as a zig-zag varint, then non-negative deltas; then the line lengths.
        var cols = t_columns ??= new ByteWriter(1 << 14);
        cols.Reset();
        long prev = 0;
        for (var i = 0; i < n; i++)
        {
            var ts = raw.TimestampAt(i);
            if (i == 0)
                cols.WriteVarint(ts);
            else
                cols.WriteUVarint((ulong)(ts - prev));
            prev = ts;
        }
        var tsBytes = cols.Length;
        if (!implicitLengths)
            for (var i = 0; i < n; i++)
                cols.WriteUVarint((ulong)raw.LengthAt(i));
        var lenBytes = cols.Length - tsBytes;
        // The columns are compressed too when that saves space (it does for nearly every block: deltas and lengths
        // repeat): a u32 stored length, then the frame.
        byte flags = implicitLengths ? FlagImplicitLengths : (byte)0;
        if (codec != ChunkCodec.None)
        {
            var lengthAt = w.Length;
            w.WriteU32(0);
            var stored = CompressInto(w, codec, zstdLevel, cols.WrittenSpan);
            if (stored + 4 < cols.Length)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(w.Buffer.AsSpan(lengthAt), (uint)stored);
                flags |= FlagColumnsCompressed;
            }
            else
            {
                w.Shrink(stored + 4);
            }
        }
        if ((flags & FlagColumnsCompressed) == 0)
            cols.WrittenSpan.CopyTo(w.Reserve(cols.Length));

        int metaBytes = 0, metaRaw = 0;
        if (raw.HasMetadata)
        {
            var m = new ByteWriter(n * 8);
            for (var i = 0; i < n; i++)
            {
                var meta = raw.MetadataAt(i);
                m.WriteUVarint((ulong)(meta?.Length ?? 0));
                if (meta == null)
                    continue;
                foreach (var l in meta)
                {
                    m.WriteString(l.Name);
                    m.WriteString(l.Value);
                }
            }
            metaRaw = m.Length;
            metaBytes = CompressInto(w, codec, zstdLevel, m.WrittenSpan);
        }

        var linesRaw = raw.DataLength + (implicitLengths ? n : 0);
        var lines = ArrayPool<byte>.Shared.Rent(Math.Max(1, linesRaw));
        try
        {
            var at = 0;
            for (var i = 0; i < n; i++)
            {
                var line = raw.LineAt(i);
                line.CopyTo(lines.AsSpan(at));
                at += line.Length;
                if (implicitLengths)
                    lines[at++] = (byte)'\n';
            }
            var linesBytes = numberColumn && codec == ChunkCodec.Zstd ? NumberColumn.TryEncode(w, lines.AsSpan(0, linesRaw), zstdLevel) : -1;
            if (linesBytes >= 0)
                flags |= FlagNumberColumn;
            else
                linesBytes = CompressInto(w, codec, zstdLevel, lines.AsSpan(0, linesRaw));
            var header = w.Buffer.AsSpan(0, HeaderSize);
            BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)n);
            BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)tsBytes);
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)lenBytes);
            BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)metaBytes);
            BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)metaRaw);
            BinaryPrimitives.WriteUInt32LittleEndian(header[20..], (uint)linesBytes);
            BinaryPrimitives.WriteUInt32LittleEndian(header[24..], (uint)linesRaw);
            header[28] = (byte)codec;
            header[29] = flags;
            w.WriteU32(Crc32.HashToUInt32(w.WrittenSpan));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(lines);
        }
        return new EncodedBlock(w.ToArray(), raw.MinT, raw.MaxT, n, raw.DataLength, source);
    }

    private static int CompressInto(ByteWriter w, ChunkCodec codec, int zstdLevel, ReadOnlySpan<byte> data)
    {
        var max = Compression.MaxCompressedLength(codec, data.Length);
        var dst = w.Reserve(max);
        var n = Compression.Compress(codec, data, dst, zstdLevel);
        w.Shrink(max - n);
        return n;
    }

    /// <summary>
    /// Decodes a block into <paramref name="into"/>. Lines are decompressed only when <paramref name="lines"/> is set,
    /// metadata only when <paramref name="metadata"/> is. Throws <see cref="StorageCorruptionException"/> naming the
    /// block's source on a checksum, bounds or decoding failure.
    /// </summary>
    /// <summary>Checks a block's length and CRC without decoding it; throws <see cref="StorageCorruptionException"/>.</summary>
    public static void Verify(EncodedBlock block)
    {
        var span = block.Bytes.Span;
        if (span.Length < HeaderSize + 4)
            throw new StorageCorruptionException(block.Source, $"block of {span.Length} bytes is shorter than its header");
        if (Crc32.HashToUInt32(span[..^4]) != BinaryPrimitives.ReadUInt32LittleEndian(span[^4..]))
            throw new StorageCorruptionException(block.Source, "block checksum mismatch");
    }

    public static void Decode(EncodedBlock block, bool lines, bool metadata, DecodedBlock into) =>
        Decode(block, lines, metadata, into, lengths: true);

    /// <summary>
    /// As <see cref="Decode(EncodedBlock, bool, bool, DecodedBlock)"/>; with <paramref name="lengths"/> false and
    /// <paramref name="lines"/> false the caller needs timestamps only, and the line lengths of a block with implicit
    /// lengths are then left undecoded (their values are unspecified) instead of being found by decompressing the lines.
    /// </summary>
    public static void Decode(EncodedBlock block, bool lines, bool metadata, DecodedBlock into, bool lengths) =>
        Decode(block.Bytes.Span, block.Source, lines, metadata, into, lengths, prefixOnly: false);

    /// <summary>
    /// The length of the block's prefix — its header and its timestamp and length columns, all a timestamp-only read
    /// needs (docs/format/chunk.md, version 3). Throws <see cref="StorageCorruptionException"/> when the header's
    /// lengths run past the block.
    /// </summary>
    public static int PrefixLength(ReadOnlySpan<byte> block, string source)
    {
        if (block.Length < HeaderSize + 4)
            throw new StorageCorruptionException(source, $"block of {block.Length} bytes is shorter than its header");
        long length = (block[29] & FlagColumnsCompressed) != 0
            ? HeaderSize + 4L + BinaryPrimitives.ReadUInt32LittleEndian(block[HeaderSize..])
            : HeaderSize + (long)BinaryPrimitives.ReadUInt32LittleEndian(block[4..]) + BinaryPrimitives.ReadUInt32LittleEndian(block[8..]);
        if (length > block.Length - 4)
            throw new StorageCorruptionException(source, "block section lengths do not add up");
        return (int)length;
    }

    /// <summary>True when the block holds a structured metadata section (some entry has metadata).</summary>
    public static bool HasMetadata(ReadOnlySpan<byte> block) => BinaryPrimitives.ReadUInt32LittleEndian(block[12..]) != 0;

    /// <summary>True when the block has no line-length column (its lengths come from decompressing its lines).</summary>
    public static bool HasImplicitLengths(ReadOnlySpan<byte> prefix) => (prefix[29] & FlagImplicitLengths) != 0;

    /// <summary>
    /// Decodes timestamps (and, with <paramref name="lengths"/>, line lengths) from a block's prefix alone (see
    /// <see cref="PrefixLength"/>), which the caller checked against the prefix CRC of its chunk header. A block with
    /// implicit lengths needs its lines for its lengths: the caller reads it whole then (<see cref="HasImplicitLengths"/>).
    /// Throws <see cref="StorageCorruptionException"/> naming <paramref name="source"/>.
    /// </summary>
    public static void DecodePrefix(ReadOnlySpan<byte> prefix, string source, DecodedBlock into, bool lengths)
    {
        if (lengths && prefix.Length > 29 && HasImplicitLengths(prefix))
            throw new InvalidOperationException("a block with implicit lengths needs its lines for its lengths");
        Decode(prefix, source, lines: false, metadata: false, into, lengths, prefixOnly: true);
    }

    private static void Decode(ReadOnlySpan<byte> span, string sourceName, bool lines, bool metadata, DecodedBlock into, bool lengths, bool prefixOnly)
    {
        try
        {
            if (span.Length < HeaderSize + (prefixOnly ? 0 : 4))
                throw new InvalidDataException($"block of {span.Length} bytes is shorter than its header");
            if (!prefixOnly && Crc32.HashToUInt32(span[..^4]) != BinaryPrimitives.ReadUInt32LittleEndian(span[^4..]))
                throw new InvalidDataException("block checksum mismatch");
            var n = (int)BinaryPrimitives.ReadUInt32LittleEndian(span);
            var tsBytes = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[4..]);
            var lenBytes = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[8..]);
            var metaBytes = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[12..]);
            var metaRaw = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[16..]);
            var linesBytes = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[20..]);
            var linesRaw = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[24..]);
            var codec = (ChunkCodec)span[28];
            var flags = span[29];
            var body = span[HeaderSize..];
            // Timestamps and lengths are at most two 10-byte varints per entry; anything larger is damage (and must not
            // overflow the sum below).
            if (tsBytes < 0 || lenBytes < 0 || (long)tsBytes + lenBytes > 20L * Math.Max(n, 0) + 20)
                throw new InvalidDataException("block section lengths do not add up");
            if (linesRaw is < 0 or > MaxRawSection || metaRaw is < 0 or > MaxRawSection)
                throw new InvalidDataException("block raw sizes are larger than any block");
            ReadOnlySpan<byte> columns;
            byte[]? rented = null;
            if ((flags & FlagColumnsCompressed) != 0)
            {
                if (body.Length < 4)
                    throw new InvalidDataException("block section lengths do not add up");
                var stored = (int)BinaryPrimitives.ReadUInt32LittleEndian(body);
                long compressedTotal = (long)HeaderSize + 4 + (uint)stored + (prefixOnly ? 0 : (uint)metaBytes + (uint)linesBytes + 4L);
                if (stored < 0 || compressedTotal != span.Length || tsBytes < 0 || lenBytes < 0 || n < 0 || n > tsBytes || metaRaw < 0 || linesRaw < 0)
                    throw new InvalidDataException("block section lengths do not add up");
                rented = ArrayPool<byte>.Shared.Rent(Math.Max(1, tsBytes + lenBytes));
                Compression.Decompress(codec, body.Slice(4, stored), rented.AsSpan(0, tsBytes + lenBytes));
                columns = rented.AsSpan(0, tsBytes + lenBytes);
                body = body[(4 + stored)..];
            }
            else
            {
                long total = (long)HeaderSize + (uint)tsBytes + (uint)lenBytes + (prefixOnly ? 0 : (uint)metaBytes + (uint)linesBytes + 4L);
                if (total != span.Length || n < 0 || n > tsBytes || metaRaw < 0 || linesRaw < 0)
                    throw new InvalidDataException("block section lengths do not add up");
                columns = body[..(tsBytes + lenBytes)];
                body = body[(tsBytes + lenBytes)..];
            }
            var implicitLengths = (flags & FlagImplicitLengths) != 0;
            if (implicitLengths && (lenBytes != 0 || (long)linesRaw < n))
                throw new InvalidDataException("block section lengths do not add up");
            var decompress = lines || (implicitLengths && lengths);
            try
            {
                // A timestamp-only read skips the length column too (nothing reads lengths then).
                DecodeColumns(columns, tsBytes, lenBytes, n, linesRaw, decompress, implicitLengths || !lines && !lengths, into);
            }
            finally
            {
                if (rented != null)
                    ArrayPool<byte>.Shared.Return(rented);
            }
            into.HasMetadata = metaBytes > 0;
            if (prefixOnly)
                return;
            var metaSection = body[..metaBytes];
            if (metadata && metaBytes > 0)
                DecodeMetadata(codec, metaSection, metaRaw, n, into);
            if (decompress)
            {
                if ((flags & FlagNumberColumn) != 0)
                    NumberColumn.Decode(body.Slice(metaBytes, linesBytes), into.Lines.AsSpan(0, linesRaw));
                else
                    Compression.Decompress(codec, body.Slice(metaBytes, linesBytes), into.Lines.AsSpan(0, linesRaw));
                if (implicitLengths)
                    SplitLines(into.Lines.AsSpan(0, linesRaw), n, into);
            }
        }
        catch (InvalidDataException e)
        {
            throw new StorageCorruptionException(sourceName, e.Message, e);
        }
    }

    private static void DecodeColumns(ReadOnlySpan<byte> columns, int tsBytes, int lenBytes, int n, int linesRaw, bool lines, bool skipLengths, DecodedBlock into)
    {
        {
            into.Reset(n, lines ? linesRaw : 0);
            var body = columns;
            var r = new ByteReader(body[..tsBytes]);
            var ts = into.Timestamps;
            for (var i = 0; i < n; i++)
                ts[i] = i == 0 ? r.ReadVarint() : ts[i - 1] + (long)r.ReadUVarint();
            if (skipLengths)
                return;
            r = new ByteReader(body.Slice(tsBytes, lenBytes));
            var lens = into.Lengths;
            var offs = into.Offsets;
            var off = 0;
            for (var i = 0; i < n; i++)
            {
                var len = (int)r.ReadUVarint();
                if (len < 0 || len > linesRaw - off)
                    throw new InvalidDataException("line lengths exceed the block's raw size");
                lens[i] = len;
                offs[i] = off;
                off += len;
            }
            if (off != linesRaw)
                throw new InvalidDataException("line lengths do not add up to the block's raw size");
        }
    }

    /// <summary>Offsets and lengths of the <c>\n</c>-terminated lines of an implicit-length block.</summary>
    private static void SplitLines(ReadOnlySpan<byte> data, int n, DecodedBlock into)
    {
        var lens = into.Lengths;
        var offs = into.Offsets;
        var off = 0;
        for (var i = 0; i < n; i++)
        {
            var len = data[off..].IndexOf((byte)'\n');
            if (len < 0)
                throw new InvalidDataException("fewer line ends than entries in the block");
            lens[i] = len;
            offs[i] = off;
            off += len + 1;
        }
        if (off != data.Length)
            throw new InvalidDataException("line ends do not add up to the block's raw size");
    }

    private static void DecodeMetadata(ChunkCodec codec, ReadOnlySpan<byte> stored, int raw, int n, DecodedBlock into)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, raw));
        try
        {
            Compression.Decompress(codec, stored, buffer.AsSpan(0, raw));
            var r = new ByteReader(buffer.AsSpan(0, raw));
            var meta = into.EnsureMetadata();
            for (var i = 0; i < n; i++)
            {
                var count = r.ReadCount();
                if (count == 0)
                {
                    meta[i] = null;
                    continue;
                }
                var labels = new Label[count];
                for (var j = 0; j < count; j++)
                    labels[j] = new Label(r.ReadString(), r.ReadString());
                meta[i] = labels;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
