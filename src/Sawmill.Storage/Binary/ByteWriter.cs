using System.Buffers.Binary;
using System.Text;

namespace Sawmill.Storage.Binary;

/// <summary>A growable little-endian byte buffer for building on-disk records. Not thread-safe.</summary>
internal sealed class ByteWriter(int capacity = 256)
{
    private byte[] _buffer = new byte[Math.Max(16, capacity)];

    public int Length { get; private set; }

    public Span<byte> WrittenSpan => _buffer.AsSpan(0, Length);

    public byte[] Buffer => _buffer;

    public void Reset() => Length = 0;

    public byte[] ToArray() => _buffer.AsSpan(0, Length).ToArray();

    /// <summary>Reserves <paramref name="size"/> bytes and returns them for the caller to fill.</summary>
    public Span<byte> Reserve(int size)
    {
        Ensure(size);
        var span = _buffer.AsSpan(Length, size);
        Length += size;
        return span;
    }

    /// <summary>Gives back the unused tail of a <see cref="Reserve"/> call.</summary>
    public void Shrink(int bytes) => Length -= bytes;

    public void WriteByte(byte b)
    {
        Ensure(1);
        _buffer[Length++] = b;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(Length));
        Length += bytes.Length;
    }

    public void WriteU16(ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), v);

    public void WriteU32(uint v) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), v);

    public void WriteI64(long v) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), v);

    public void WriteU64(ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), v);

    public void PatchU32(int at, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(at), v);

    public void WriteUVarint(ulong value)
    {
        Ensure(10);
        while (value >= 0x80)
        {
            _buffer[Length++] = (byte)(value | 0x80);
            value >>= 7;
        }
        _buffer[Length++] = (byte)value;
    }

    /// <summary>Zig-zag signed varint (as Go's <c>binary.PutVarint</c>).</summary>
    public void WriteVarint(long value) => WriteUVarint((ulong)((value << 1) ^ (value >> 63)));

    /// <summary>uvarint byte length, then the UTF-8 bytes.</summary>
    public void WriteString(string s)
    {
        var n = System.Text.Encoding.UTF8.GetByteCount(s);
        WriteUVarint((ulong)n);
        Ensure(n);
        System.Text.Encoding.UTF8.GetBytes(s, _buffer.AsSpan(Length));
        Length += n;
    }

    /// <summary>uvarint byte length, then the bytes.</summary>
    public void WriteLengthPrefixed(ReadOnlySpan<byte> bytes)
    {
        WriteUVarint((ulong)bytes.Length);
        WriteBytes(bytes);
    }

    private void Ensure(int extra)
    {
        if (Length + extra <= _buffer.Length)
            return;
        var size = Math.Max(_buffer.Length * 2, Length + extra);
        Array.Resize(ref _buffer, size);
    }
}
