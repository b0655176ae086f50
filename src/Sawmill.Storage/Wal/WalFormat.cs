using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Sawmill.Core;

namespace Sawmill.Storage.Wal;

/// <summary>
/// Byte layout of WAL segments (documented in docs/format/wal.md). A segment starts with the 8-byte magic
/// <c>SMWAL</c> + version byte + 2 reserved bytes; then records, each <c>u32 length | u32 crc32 | payload</c>
/// (little endian; CRC-32/IEEE of the payload). A push payload is
/// <c>u8 kind=1 | str tenant | uvarint streams | { uvarint labels | {str name, str value}* | uvarint entries |
/// { varint ts_ns | bytes line | uvarint meta | {str name, str value}* }* }*</c>, where <c>str</c>/<c>bytes</c> are a
/// uvarint length followed by UTF-8 bytes.
/// </summary>
internal static class WalFormat
{
    public static ReadOnlySpan<byte> Magic => "SMWAL\u0001\0\0"u8;
    public const int HeaderSize = 8;
    public const int RecordHeaderSize = 8;
    public const byte KindPush = 1;
    public const byte KindBlock = 2;
    public const int MaxRecordSize = 256 * 1024 * 1024;

    public static byte[] EncodePush(string tenant, IReadOnlyList<PushStream> streams)
    {
        var (buffer, length) = EncodePushPooled(tenant, streams);
        var exact = buffer.AsSpan(0, length).ToArray();
        ArrayPool<byte>.Shared.Return(buffer);
        return exact;
    }

    /// <summary>
    /// Like <see cref="EncodePush"/> into a buffer rented from <see cref="ArrayPool{T}.Shared"/> (pushes are hundreds of
    /// KiB: a fresh array each time would be a large-object allocation); the caller returns it once written.
    /// </summary>
    public static (byte[] Buffer, int Length) EncodePushPooled(string tenant, IReadOnlyList<PushStream> streams)
    {
        var size = 16 + Encoding.UTF8.GetByteCount(tenant);
        foreach (var s in streams)
        {
            size += 10;
            foreach (var l in s.Labels.AsSpan())
                size += 10 + Encoding.UTF8.GetMaxByteCount(l.Name.Length) + Encoding.UTF8.GetMaxByteCount(l.Value.Length);
            foreach (var e in s.Entries)
            {
                size += 25 + e.Line.Length;
                if (e.Metadata != null)
                    foreach (var m in e.Metadata)
                        size += 10 + Encoding.UTF8.GetMaxByteCount(m.Name.Length) + Encoding.UTF8.GetMaxByteCount(m.Value.Length);
            }
        }
        var buffer = ArrayPool<byte>.Shared.Rent(RecordHeaderSize + size);
        var pos = RecordHeaderSize;
        buffer[pos++] = KindPush;
        WriteString(buffer, ref pos, tenant);
        WriteUVarint(buffer, ref pos, (ulong)streams.Count);
        foreach (var s in streams)
        {
            WriteUVarint(buffer, ref pos, (ulong)s.Labels.Count);
            foreach (var l in s.Labels.AsSpan())
            {
                WriteString(buffer, ref pos, l.Name);
                WriteString(buffer, ref pos, l.Value);
            }
            WriteUVarint(buffer, ref pos, (ulong)s.Entries.Count);
            foreach (var e in s.Entries)
            {
                WriteUVarint(buffer, ref pos, ZigZag(e.TimestampNs));
                WriteUVarint(buffer, ref pos, (ulong)e.Line.Length);
                e.Line.Span.CopyTo(buffer.AsSpan(pos));
                pos += e.Line.Length;
                var meta = e.Metadata ?? [];
                WriteUVarint(buffer, ref pos, (ulong)meta.Length);
                foreach (var m in meta)
                {
                    WriteString(buffer, ref pos, m.Name);
                    WriteString(buffer, ref pos, m.Value);
                }
            }
        }
        var payloadLength = pos - RecordHeaderSize;
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, (uint)payloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(4), Crc32.HashToUInt32(buffer.AsSpan(RecordHeaderSize, payloadLength)));
        return (buffer, pos);
    }

    /// <summary>Decodes a push payload (without the record header). Throws <see cref="InvalidDataException"/> on malformed bytes.</summary>
    public static (string Tenant, List<PushStream> Streams) DecodePush(ReadOnlySpan<byte> payload)
    {
        var pos = 0;
        if (payload.Length == 0 || payload[pos++] != KindPush)
            throw new InvalidDataException("unknown WAL record kind");
        var tenant = ReadString(payload, ref pos);
        var nStreams = ReadCount(payload, ref pos);
        var streams = new List<PushStream>(nStreams);
        for (var i = 0; i < nStreams; i++)
        {
            var nLabels = ReadCount(payload, ref pos);
            var labels = new Label[nLabels];
            for (var j = 0; j < nLabels; j++)
                labels[j] = new Label(ReadString(payload, ref pos), ReadString(payload, ref pos));
            var nEntries = ReadCount(payload, ref pos);
            var entries = new List<PushEntry>(nEntries);
            for (var j = 0; j < nEntries; j++)
            {
                var ts = UnZigZag(ReadUVarint(payload, ref pos));
                var len = ReadCount(payload, ref pos);
                if (pos + len > payload.Length)
                    throw new InvalidDataException("line runs past the record");
                var line = payload.Slice(pos, len).ToArray();
                pos += len;
                var nMeta = ReadCount(payload, ref pos);
                Label[]? meta = null;
                if (nMeta > 0)
                {
                    meta = new Label[nMeta];
                    for (var k = 0; k < nMeta; k++)
                        meta[k] = new Label(ReadString(payload, ref pos), ReadString(payload, ref pos));
                }
                entries.Add(new PushEntry(ts, line, meta));
            }
            streams.Add(new PushStream(Labels.From(labels), entries));
        }
        return (tenant, streams);
    }

    /// <summary>
    /// A checkpoint record holding one sealed head block of a stream as it is in memory (compressed), so a checkpoint
    /// costs the compressed size: <c>u8 kind=2 | str tenant | uvarint labels | {str name, str value}* | varint min_t |
    /// varint max_t | uvarint entries | uvarint raw_bytes | bytes block</c>.
    /// </summary>
    public static byte[] EncodeBlock(string tenant, Labels labels, Chunks.EncodedBlock block)
    {
        var w = new Binary.ByteWriter(block.Bytes.Length + 256);
        w.Reserve(RecordHeaderSize);
        w.WriteByte(KindBlock);
        w.WriteString(tenant);
        w.WriteUVarint((ulong)labels.Count);
        foreach (var l in labels.AsSpan())
        {
            w.WriteString(l.Name);
            w.WriteString(l.Value);
        }
        w.WriteVarint(block.MinT);
        w.WriteVarint(block.MaxT);
        w.WriteUVarint((ulong)block.Entries);
        w.WriteUVarint((ulong)block.RawBytes);
        w.WriteLengthPrefixed(block.Bytes.Span);
        var payloadLength = w.Length - RecordHeaderSize;
        w.PatchU32(0, (uint)payloadLength);
        w.PatchU32(4, Crc32.HashToUInt32(w.WrittenSpan[RecordHeaderSize..]));
        return w.ToArray();
    }

    public static (string Tenant, Labels Labels, Chunks.EncodedBlock Block) DecodeBlock(ReadOnlySpan<byte> payload, string source)
    {
        var r = new Binary.ByteReader(payload);
        if (r.ReadByte() != KindBlock)
            throw new InvalidDataException("not a block record");
        var tenant = r.ReadString();
        var labels = new Label[r.ReadCount()];
        for (var i = 0; i < labels.Length; i++)
            labels[i] = new Label(r.ReadString(), r.ReadString());
        var minT = r.ReadVarint();
        var maxT = r.ReadVarint();
        var entries = (int)r.ReadUVarint();
        var raw = (int)r.ReadUVarint();
        var bytes = r.ReadBytes(r.ReadCount()).ToArray();
        return (tenant, Labels.From(labels), new Chunks.EncodedBlock(bytes, minT, maxT, entries, raw, source));
    }

    private static ulong ZigZag(long v) => (ulong)((v << 1) ^ (v >> 63));

    private static long UnZigZag(ulong v) => (long)(v >> 1) ^ -(long)(v & 1);

    private static void WriteUVarint(byte[] buffer, ref int pos, ulong value)
    {
        while (value >= 0x80)
        {
            buffer[pos++] = (byte)(value | 0x80);
            value >>= 7;
        }
        buffer[pos++] = (byte)value;
    }

    private static void WriteString(byte[] buffer, ref int pos, string s)
    {
        var n = Encoding.UTF8.GetBytes(s, buffer.AsSpan(pos + 5));
        // Length prefix is written after the bytes are known; shift when it takes fewer than 5 bytes.
        var lenBytes = 0;
        var tmp = (ulong)n;
        Span<byte> prefix = stackalloc byte[5];
        while (tmp >= 0x80)
        {
            prefix[lenBytes++] = (byte)(tmp | 0x80);
            tmp >>= 7;
        }
        prefix[lenBytes++] = (byte)tmp;
        Buffer.BlockCopy(buffer, pos + 5, buffer, pos + lenBytes, n);
        prefix[..lenBytes].CopyTo(buffer.AsSpan(pos));
        pos += lenBytes + n;
    }

    private static ulong ReadUVarint(ReadOnlySpan<byte> span, ref int pos)
    {
        ulong result = 0;
        var shift = 0;
        while (true)
        {
            if (pos >= span.Length)
                throw new InvalidDataException("varint runs past the record");
            var b = span[pos++];
            result |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
                return result;
            shift += 7;
            if (shift > 63)
                throw new InvalidDataException("varint too long");
        }
    }

    private static int ReadCount(ReadOnlySpan<byte> span, ref int pos)
    {
        var v = ReadUVarint(span, ref pos);
        if (v > (ulong)span.Length)
            throw new InvalidDataException("count larger than the record");
        return (int)v;
    }

    private static string ReadString(ReadOnlySpan<byte> span, ref int pos)
    {
        var len = ReadCount(span, ref pos);
        if (pos + len > span.Length)
            throw new InvalidDataException("string runs past the record");
        var s = Encoding.UTF8.GetString(span.Slice(pos, len));
        pos += len;
        return s;
    }
}
