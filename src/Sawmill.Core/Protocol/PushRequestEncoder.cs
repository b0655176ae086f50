using System.Buffers;
using System.Text;

namespace Sawmill.Core.Protocol;

/// <summary>
/// Writes Loki's <c>logproto.PushRequest</c> protobuf (uncompressed; callers snappy-compress the result for
/// <c>Content-Type: application/x-protobuf</c>). Hand-written so that lines go from UTF-8 buffers to the
/// wire without intermediate strings. Field numbers, from Loki's push.proto:
/// PushRequest{1: repeated StreamAdapter streams}; StreamAdapter{1: string labels, 2: repeated EntryAdapter entries};
/// EntryAdapter{1: Timestamp timestamp, 2: string line, 3: repeated LabelPairAdapter structuredMetadata};
/// LabelPairAdapter{1: name, 2: value}; Timestamp{1: int64 seconds, 2: int32 nanos}.
/// </summary>
public static class PushRequestEncoder
{
    public static byte[] Encode(IReadOnlyList<PushStream> streams)
    {
        var writer = new ArrayBufferWriter<byte>(EstimateSize(streams));
        Encode(streams, writer);
        return writer.WrittenSpan.ToArray();
    }

    public static void Encode(IReadOnlyList<PushStream> streams, IBufferWriter<byte> output)
    {
        foreach (var stream in streams)
            EncodeStream(stream.Labels.ToString(), stream.Entries, output);
    }

    /// <summary>
    /// Encodes streams whose labels are given as text, written as they are: also malformed label strings, which a
    /// client can send and a server must refuse (push-validation tests).
    /// </summary>
    public static byte[] Encode(IReadOnlyList<(string Labels, IReadOnlyList<PushEntry> Entries)> streams)
    {
        var writer = new ArrayBufferWriter<byte>();
        foreach (var (labels, entries) in streams)
            EncodeStream(labels, entries, writer);
        return writer.WrittenSpan.ToArray();
    }

    private static void EncodeStream(string labels, IReadOnlyList<PushEntry> entries, IBufferWriter<byte> output)
    {
        var labelsLen = Encoding.UTF8.GetByteCount(labels);
        var size = SizeOfTag + SizeOfLength(labelsLen) + labelsLen;
        foreach (var e in entries)
        {
            var n = EntrySize(e);
            size += SizeOfTag + SizeOfLength(n) + n;
        }
        WriteTag(output, 1, 2);
        WriteVarint(output, (ulong)size);
        WriteTag(output, 1, 2);
        WriteVarint(output, (ulong)labelsLen);
        var span = output.GetSpan(labelsLen);
        Encoding.UTF8.GetBytes(labels, span);
        output.Advance(labelsLen);
        foreach (var e in entries)
        {
            WriteTag(output, 2, 2);
            WriteVarint(output, (ulong)EntrySize(e));
            WriteEntry(output, e);
        }
    }

    private const int SizeOfTag = 1;

    private static int EstimateSize(IReadOnlyList<PushStream> streams)
    {
        long n = 16;
        foreach (var s in streams)
        {
            n += 64 + s.Labels.Count * 32;
            foreach (var e in s.Entries)
                n += e.Line.Length + 24;
        }
        return (int)Math.Min(n, int.MaxValue / 2);
    }

    private static (long Seconds, int Nanos) Split(long ns)
    {
        var s = Math.DivRem(ns, TimeNs.PerSecond, out var rem);
        if (rem < 0)
        {
            rem += TimeNs.PerSecond;
            s--;
        }
        return (s, (int)rem);
    }

    private static int TimestampSize(long ns)
    {
        var (s, n) = Split(ns);
        var size = 0;
        if (s != 0)
            size += SizeOfTag + SizeOfVarint((ulong)s);
        if (n != 0)
            size += SizeOfTag + SizeOfVarint((ulong)n);
        return size;
    }

    private static int EntrySize(in PushEntry e)
    {
        var ts = TimestampSize(e.TimestampNs);
        var size = SizeOfTag + SizeOfLength(ts) + ts;
        if (e.Line.Length > 0)
            size += SizeOfTag + SizeOfLength(e.Line.Length) + e.Line.Length;
        if (e.Metadata != null)
        {
            foreach (var m in e.Metadata)
            {
                var n = PairSize(m);
                size += SizeOfTag + SizeOfLength(n) + n;
            }
        }
        return size;
    }

    private static int PairSize(Label l)
    {
        var n = Encoding.UTF8.GetByteCount(l.Name);
        var v = Encoding.UTF8.GetByteCount(l.Value);
        var size = 0;
        if (n > 0)
            size += SizeOfTag + SizeOfLength(n) + n;
        if (v > 0)
            size += SizeOfTag + SizeOfLength(v) + v;
        return size;
    }

    private static void WriteEntry(IBufferWriter<byte> output, in PushEntry e)
    {
        var ts = TimestampSize(e.TimestampNs);
        WriteTag(output, 1, 2);
        WriteVarint(output, (ulong)ts);
        var (s, n) = Split(e.TimestampNs);
        if (s != 0)
        {
            WriteTag(output, 1, 0);
            WriteVarint(output, (ulong)s);
        }
        if (n != 0)
        {
            WriteTag(output, 2, 0);
            WriteVarint(output, (ulong)n);
        }
        if (e.Line.Length > 0)
        {
            WriteTag(output, 2, 2);
            WriteVarint(output, (ulong)e.Line.Length);
            output.Write(e.Line.Span);
        }
        if (e.Metadata != null)
        {
            foreach (var m in e.Metadata)
            {
                WriteTag(output, 3, 2);
                WriteVarint(output, (ulong)PairSize(m));
                WriteString(output, 1, m.Name);
                WriteString(output, 2, m.Value);
            }
        }
    }

    private static void WriteString(IBufferWriter<byte> output, int field, string value)
    {
        if (value.Length == 0)
            return;
        var len = Encoding.UTF8.GetByteCount(value);
        WriteTag(output, field, 2);
        WriteVarint(output, (ulong)len);
        var span = output.GetSpan(len);
        Encoding.UTF8.GetBytes(value, span);
        output.Advance(len);
    }

    private static void WriteTag(IBufferWriter<byte> output, int field, int wireType) =>
        WriteVarint(output, (ulong)((field << 3) | wireType));

    private static void WriteVarint(IBufferWriter<byte> output, ulong value)
    {
        var span = output.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        output.Advance(i);
    }

    private static int SizeOfLength(int length) => SizeOfVarint((ulong)length);

    private static int SizeOfVarint(ulong value)
    {
        var n = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            n++;
        }
        return n;
    }
}
