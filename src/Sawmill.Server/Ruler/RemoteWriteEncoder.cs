using Google.Protobuf;
using Sawmill.LogQL.Engine;

namespace Sawmill.Server.Ruler;

/// <summary>
/// Encodes samples as Prometheus's remote-write <c>WriteRequest</c> (protobuf: <c>timeseries=1</c> of
/// <c>TimeSeries{labels=1 Label{name=1,value=2}, samples=2 Sample{value=1 double, timestamp=2 int64 ms}}</c>).
/// Concatenated <c>WriteRequest</c>s are one valid <c>WriteRequest</c> (repeated fields append), which the queue uses
/// to batch frames without re-encoding.
/// </summary>
public static class RemoteWriteEncoder
{
    public static byte[] Encode(IReadOnlyList<Sample> samples)
    {
        using var ms = new MemoryStream();
        var outer = new CodedOutputStream(ms, leaveOpen: true);
        foreach (var s in samples)
        {
            var series = EncodeSeries(s);
            outer.WriteTag(1, WireFormat.WireType.LengthDelimited);
            outer.WriteBytes(ByteString.CopyFrom(series));
        }
        outer.Flush();
        return ms.ToArray();
    }

    private static byte[] EncodeSeries(Sample s)
    {
        using var ms = new MemoryStream();
        var o = new CodedOutputStream(ms, leaveOpen: true);
        // Labels sorted by name, as remote write requires; Labels keeps them sorted already.
        foreach (var l in s.Labels.AsSpan())
        {
            using var lm = new MemoryStream();
            var lo = new CodedOutputStream(lm, leaveOpen: true);
            lo.WriteTag(1, WireFormat.WireType.LengthDelimited);
            lo.WriteString(l.Name);
            lo.WriteTag(2, WireFormat.WireType.LengthDelimited);
            lo.WriteString(l.Value);
            lo.Flush();
            o.WriteTag(1, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(lm.ToArray()));
        }
        using var sm = new MemoryStream();
        var so = new CodedOutputStream(sm, leaveOpen: true);
        so.WriteTag(1, WireFormat.WireType.Fixed64);
        so.WriteDouble(s.Value);
        so.WriteTag(2, WireFormat.WireType.Varint);
        so.WriteInt64(s.TimestampMs);
        so.Flush();
        o.WriteTag(2, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(sm.ToArray()));
        o.Flush();
        return ms.ToArray();
    }

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
