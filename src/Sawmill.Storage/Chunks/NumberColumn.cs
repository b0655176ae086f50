using System.Buffers;
using System.Buffers.Binary;
using Sawmill.Storage.Binary;

namespace Sawmill.Storage.Chunks;

/// <summary>
/// The "long numbers apart" layout of a cold block's lines section (docs/format/chunk.md, block flag bit 2). Ids,
/// epoch times and sizes of 10–19 digits are close to random: as text zstd spends about 4.5 bits per digit on them
/// (their digits share one literal table with the letters), as 8-byte integers in a stream of their own 3.4 — on
/// HDFS's block ids that is a tenth of the whole block. The text keeps a marker byte where each number stood:
/// <code>
/// u32 text stored length, u32 text raw length, u32 number count,
/// zstd frame of the text (0x01 = the next number; 0x02 escapes an original 0x01 or 0x02 byte),
/// zstd frame of the numbers (u64 little-endian each, in order)
/// </code>
/// A number is a maximal run of 10 to 19 ASCII digits that does not start with 0, so its decimal form gives back the
/// same bytes. Thread-safe (stateless).
/// </summary>
internal static class NumberColumn
{
    private const byte Marker = 1;
    private const byte Escape = 2;
    private const int MinDigits = 10;
    private const int MaxDigits = 19;

    /// <summary>
    /// Writes <paramref name="lines"/> in the layout to <paramref name="w"/> and returns the bytes written, or returns
    /// -1 and writes nothing when the lines hold too few long numbers for it to pay (under 5% of their bytes).
    /// </summary>
    public static int TryEncode(ByteWriter w, ReadOnlySpan<byte> lines, int zstdLevel)
    {
        long digits = 0;
        var count = 0;
        int i = 0, start, length;
        while (NextNumber(lines, ref i, out start, out length))
        {
            digits += length;
            count++;
        }
        if (count == 0 || digits * 20 < lines.Length)
            return -1;
        var escapes = lines.Count(Marker) + lines.Count(Escape);
        var textLength = (int)(lines.Length - digits + count + escapes);

        var text = ArrayPool<byte>.Shared.Rent(Math.Max(1, textLength));
        var numbers = ArrayPool<byte>.Shared.Rent(count * 8);
        try
        {
            int t = 0, k = 0, at = 0;
            i = 0;
            while (NextNumber(lines, ref i, out start, out length))
            {
                t = CopyEscaped(lines[at..start], text, t);
                text[t++] = Marker;
                BinaryPrimitives.WriteUInt64LittleEndian(numbers.AsSpan(k++ * 8), ParseDigits(lines.Slice(start, length)));
                at = start + length;
            }
            t = CopyEscaped(lines[at..], text, t);
            // Numbers that follow each other closely (epoch milliseconds of consecutive lines) compress better as text
            // than as integers; a quick probe at zstd 1 (~1% of the cost of the real encoding at 19) keeps the plain
            // layout for them.
            if (!Pays(lines, text.AsSpan(0, t), numbers.AsSpan(0, count * 8)))
                return -1;
            var begin = w.Length;
            w.WriteU32(0);
            w.WriteU32((uint)t);
            w.WriteU32((uint)count);
            var textStored = Compress(w, text.AsSpan(0, t), zstdLevel);
            BinaryPrimitives.WriteUInt32LittleEndian(w.Buffer.AsSpan(begin), (uint)textStored);
            Compress(w, numbers.AsSpan(0, count * 8), zstdLevel);
            return w.Length - begin;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(text);
            ArrayPool<byte>.Shared.Return(numbers);
        }
    }

    /// <summary>Decodes a lines section written by <see cref="TryEncode"/> into exactly <paramref name="destination"/>.</summary>
    public static void Decode(ReadOnlySpan<byte> section, Span<byte> destination)
    {
        if (section.Length < 12)
            throw new InvalidDataException("number column header is truncated");
        var textStored = BinaryPrimitives.ReadUInt32LittleEndian(section);
        var textRaw = BinaryPrimitives.ReadUInt32LittleEndian(section[4..]);
        var count = BinaryPrimitives.ReadUInt32LittleEndian(section[8..]);
        if (textStored > section.Length - 12 || textRaw > destination.Length || count > destination.Length / MinDigits + 1)
            throw new InvalidDataException("number column lengths do not add up");
        var text = ArrayPool<byte>.Shared.Rent(Math.Max(1, (int)textRaw));
        var numbers = ArrayPool<byte>.Shared.Rent(Math.Max(1, (int)count * 8));
        try
        {
            Compression.Decompress(ChunkCodec.Zstd, section.Slice(12, (int)textStored), text.AsSpan(0, (int)textRaw));
            Compression.Decompress(ChunkCodec.Zstd, section[(12 + (int)textStored)..], numbers.AsSpan(0, (int)count * 8));
            int d = 0, k = 0;
            var src = text.AsSpan(0, (int)textRaw);
            while (!src.IsEmpty)
            {
                var special = src.IndexOfAny(Marker, Escape);
                var plain = special < 0 ? src : src[..special];
                if (plain.Length > destination.Length - d)
                    throw new InvalidDataException("number column expands past the block's raw size");
                plain.CopyTo(destination[d..]);
                d += plain.Length;
                if (special < 0)
                    break;
                if (src[special] == Escape)
                {
                    if (special + 1 >= src.Length || d >= destination.Length)
                        throw new InvalidDataException("number column escape is truncated");
                    destination[d++] = src[special + 1];
                    src = src[(special + 2)..];
                    continue;
                }
                if (k >= count)
                    throw new InvalidDataException("number column has more markers than numbers");
                var value = BinaryPrimitives.ReadUInt64LittleEndian(numbers.AsSpan(k++ * 8));
                if (!value.TryFormat(destination[d..], out var written, default, System.Globalization.CultureInfo.InvariantCulture))
                    throw new InvalidDataException("number column expands past the block's raw size");
                d += written;
                src = src[(special + 1)..];
            }
            if (d != destination.Length || k != count)
                throw new InvalidDataException("number column does not add up to the block's raw size");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(text);
            ArrayPool<byte>.Shared.Return(numbers);
        }
    }

    /// <summary>
    /// Finds the next maximal run of 10–19 ASCII digits not starting with 0 at or after <paramref name="i"/>, and moves
    /// <paramref name="i"/> past it; false when there is none.
    /// </summary>
    private static bool NextNumber(ReadOnlySpan<byte> data, ref int i, out int start, out int length)
    {
        while (i < data.Length)
        {
            var rel = data[i..].IndexOfAnyInRange((byte)'0', (byte)'9');
            if (rel < 0)
                break;
            start = i + rel;
            var end = start + 1;
            while (end < data.Length && (uint)(data[end] - '0') <= 9)
                end++;
            length = end - start;
            i = end;
            if (length is >= MinDigits and <= MaxDigits && data[start] != '0')
                return true;
        }
        i = data.Length;
        start = length = 0;
        return false;
    }

    private static ulong ParseDigits(ReadOnlySpan<byte> digits)
    {
        ulong v = 0;
        foreach (var c in digits)
            v = v * 10 + (ulong)(c - '0');
        return v;
    }

    /// <summary>Copies <paramref name="src"/> to <paramref name="dst"/> at <paramref name="at"/>, escaping marker bytes.</summary>
    private static int CopyEscaped(ReadOnlySpan<byte> src, Span<byte> dst, int at)
    {
        while (!src.IsEmpty)
        {
            var special = src.IndexOfAny(Marker, Escape);
            var plain = special < 0 ? src : src[..special];
            plain.CopyTo(dst[at..]);
            at += plain.Length;
            if (special < 0)
                break;
            dst[at++] = Escape;
            dst[at++] = src[special];
            src = src[(special + 1)..];
        }
        return at;
    }

    /// <summary>The probe level: fast, and on the loghub samples it picks the smaller layout wherever zstd 19 would.</summary>
    private const int ProbeLevel = 1;

    private static bool Pays(ReadOnlySpan<byte> lines, ReadOnlySpan<byte> text, ReadOnlySpan<byte> numbers)
    {
        var scratch = ArrayPool<byte>.Shared.Rent(Compression.MaxCompressedLength(ChunkCodec.Zstd, lines.Length));
        try
        {
            var plain = Compression.Compress(ChunkCodec.Zstd, lines, scratch, ProbeLevel);
            var apart = Compression.Compress(ChunkCodec.Zstd, text, scratch, ProbeLevel)
                + Compression.Compress(ChunkCodec.Zstd, numbers, scratch, ProbeLevel) + 12;
            return apart < plain;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static int Compress(ByteWriter w, ReadOnlySpan<byte> data, int zstdLevel)
    {
        var max = Compression.MaxCompressedLength(ChunkCodec.Zstd, data.Length);
        var dst = w.Reserve(max);
        var n = Compression.Compress(ChunkCodec.Zstd, data, dst, zstdLevel);
        w.Shrink(max - n);
        return n;
    }
}
