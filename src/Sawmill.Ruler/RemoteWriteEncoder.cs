using Google.Protobuf;
using Sawmill.LogQL.Engine;

namespace Sawmill.Ruler;

/// <summary>
/// Encodes samples as Prometheus's remote-write <c>WriteRequest</c> (protobuf: <c>timeseries=1</c> of
/// <c>TimeSeries{labels=1 Label{name=1,value=2}, samples=2 Sample{value=1 double, timestamp=2 int64 ms}}</c>).
/// Concatenated <c>WriteRequest</c>s are one valid <c>WriteRequest</c> (repeated fields append), which the queue uses
/// to batch frames without re-encoding.
/// </summary>
public static class RemoteWriteEncoder
{
    /// <summary>
    /// One <c>WriteRequest</c> for <paramref name="samples"/>, written in a single pass through one stream: nested
    /// message lengths are computed up front, so no per-series or per-label buffers are allocated.
    /// </summary>
    public static byte[] Encode(IReadOnlyList<Sample> samples)
    {
        using var ms = new MemoryStream();
        var o = new CodedOutputStream(ms, leaveOpen: true);
        foreach (var s in samples)
        {
            // Labels sorted by name, as remote write requires; Labels keeps them sorted already.
            var labels = s.Labels.AsSpan();
            var seriesSize = 0;
            foreach (var l in labels)
            {
                var ls = LabelSize(l.Name, l.Value);
                seriesSize += 1 + CodedOutputStream.ComputeLengthSize(ls) + ls;
            }
            var sampleSize = SampleSize(s.TimestampMs);
            seriesSize += 1 + CodedOutputStream.ComputeLengthSize(sampleSize) + sampleSize;

            o.WriteTag(1, WireFormat.WireType.LengthDelimited);
            o.WriteLength(seriesSize);
            foreach (var l in labels)
            {
                o.WriteTag(1, WireFormat.WireType.LengthDelimited);
                o.WriteLength(LabelSize(l.Name, l.Value));
                o.WriteTag(1, WireFormat.WireType.LengthDelimited);
                o.WriteString(l.Name);
                o.WriteTag(2, WireFormat.WireType.LengthDelimited);
                o.WriteString(l.Value);
            }
            o.WriteTag(2, WireFormat.WireType.LengthDelimited);
            o.WriteLength(sampleSize);
            o.WriteTag(1, WireFormat.WireType.Fixed64);
            o.WriteDouble(s.Value);
            o.WriteTag(2, WireFormat.WireType.Varint);
            o.WriteInt64(s.TimestampMs);
        }
        o.Flush();
        return ms.ToArray();
    }

    /// <summary><c>Label{name=1, value=2}</c>: two one-byte tags and two length-prefixed strings.</summary>
    private static int LabelSize(string name, string value) =>
        1 + CodedOutputStream.ComputeStringSize(name) + 1 + CodedOutputStream.ComputeStringSize(value);

    /// <summary><c>Sample{value=1 double, timestamp=2 int64}</c>.</summary>
    private static int SampleSize(long timestampMs) => 1 + 8 + 1 + CodedOutputStream.ComputeInt64Size(timestampMs);

    /// <summary>Decodes a <c>WriteRequest</c> (for tests and the queue's sample counts).</summary>
    public static List<(List<(string Name, string Value)> Labels, List<(double Value, long TimestampMs)> Samples)> Decode(byte[] data)
    {
        var result = new List<(List<(string, string)>, List<(double, long)>)>();
        var input = new CodedInputStream(data);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) != 1)
            {
                input.SkipLastField();
                continue;
            }
            var ts = new CodedInputStream(input.ReadBytes().ToByteArray());
            var labels = new List<(string, string)>();
            var samples = new List<(double, long)>();
            uint t2;
            while ((t2 = ts.ReadTag()) != 0)
            {
                var inner = new CodedInputStream(ts.ReadBytes().ToByteArray());
                if (WireFormat.GetTagFieldNumber(t2) == 1)
                {
                    string n = "", v = "";
                    uint t3;
                    while ((t3 = inner.ReadTag()) != 0)
                    {
                        if (WireFormat.GetTagFieldNumber(t3) == 1)
                            n = inner.ReadString();
                        else if (WireFormat.GetTagFieldNumber(t3) == 2)
                            v = inner.ReadString();
                        else
                            inner.SkipLastField();
                    }
                    labels.Add((n, v));
                }
                else if (WireFormat.GetTagFieldNumber(t2) == 2)
                {
                    double v = 0;
                    long t = 0;
                    uint t3;
                    while ((t3 = inner.ReadTag()) != 0)
                    {
                        if (WireFormat.GetTagFieldNumber(t3) == 1)
                            v = inner.ReadDouble();
                        else if (WireFormat.GetTagFieldNumber(t3) == 2)
                            t = inner.ReadInt64();
                        else
                            inner.SkipLastField();
                    }
                    samples.Add((v, t));
                }
            }
            result.Add((labels, samples));
        }
        return result;
    }
}
