using System.Buffers.Binary;

namespace Sawmill.Storage.Binary;

/// <summary>
/// Bounds-checked little-endian reader over a span. Every read past the end or malformed varint throws
/// <see cref="InvalidDataException"/>, which callers turn into a <c>StorageCorruptionException</c> naming the file.
/// </summary>
internal ref struct ByteReader(ReadOnlySpan<byte> span)
{
    private readonly ReadOnlySpan<byte> _span = span;

    public int Position { get; set; }

    public readonly int Remaining => _span.Length - Position;

    public ReadOnlySpan<byte> ReadBytes(int n)
    {
        if (n < 0 || n > Remaining)
            throw new InvalidDataException($"read of {n} bytes at offset {Position} runs past the end ({_span.Length})");
        var s = _span.Slice(Position, n);
        Position += n;
        return s;
    }

    public byte ReadByte() => ReadBytes(1)[0];

    public ushort ReadU16() => BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2));

    public uint ReadU32() => BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4));

    public long ReadI64() => BinaryPrimitives.ReadInt64LittleEndian(ReadBytes(8));

    public ulong ReadU64() => BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8));

    public ulong ReadUVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (Position >= _span.Length)
                throw new InvalidDataException($"varint at offset {Position} runs past the end");
            var b = _span[Position++];
            result |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
                return result;
        }
        throw new InvalidDataException("varint longer than 10 bytes");
    }

    public long ReadVarint()
    {
        var v = ReadUVarint();
        return (long)(v >> 1) ^ -(long)(v & 1);
    }

    /// <summary>A uvarint that must fit the remaining input (a count or a length).</summary>
    public int ReadCount()
    {
        var v = ReadUVarint();
        if (v > (ulong)Remaining)
            throw new InvalidDataException($"count {v} at offset {Position} exceeds the {Remaining} bytes left");
        return (int)v;
    }

    public string ReadString()
    {
        var n = ReadCount();
        return System.Text.Encoding.UTF8.GetString(ReadBytes(n));
    }
}
