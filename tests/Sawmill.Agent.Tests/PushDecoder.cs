using System.Text;

namespace Sawmill.Agent.Tests;

/// <summary>Test-side decoder of a snappy PushRequest into (labels text, timestamp ns, line) triples.</summary>
internal static class PushDecoder
{
    public static List<(string Labels, long Ns, string Line)> Decode(byte[] snappyBody)
    {
        var raw = Snappier.Snappy.DecompressToArray(snappyBody);
        var result = new List<(string, long, string)>();
        var p = 0;
        while (p < raw.Length)
        {
            var (field, len) = Header(raw, ref p);
            Assert.Equal(1, field);
            var end = p + len;
            string labels = "";
            while (p < end)
            {
                var (f, l) = Header(raw, ref p);
                if (f == 1)
                    labels = Encoding.UTF8.GetString(raw, p, l);
                else if (f == 2)
                    result.Add(Entry(raw, p, l, labels));
                p += l;
            }
        }
        return result;
    }

    private static (string, long, string) Entry(byte[] raw, int p, int len, string labels)
    {
        var end = p + len;
        long ns = 0;
        var line = "";
        while (p < end)
        {
            var (f, l) = Header(raw, ref p);
            if (f == 1)
            {
                var q = p;
                long s = 0, n = 0;
                while (q < p + l)
                {
                    var tag = (int)Varint(raw, ref q);
                    var v = (long)Varint(raw, ref q);
                    if (tag >> 3 == 1)
                        s = v;
                    else
                        n = v;
                }
                ns = s * 1_000_000_000 + n;
            }
            else if (f == 2)
            {
                line = Encoding.UTF8.GetString(raw, p, l);
            }
            p += l;
        }
        return (labels, ns, line);
    }

    private static (int Field, int Length) Header(byte[] raw, ref int p)
    {
        var tag = (int)Varint(raw, ref p);
        Assert.Equal(2, tag & 7);
        return (tag >> 3, (int)Varint(raw, ref p));
    }

    private static ulong Varint(byte[] raw, ref int p)
    {
        ulong v = 0;
        var shift = 0;
        while (true)
        {
            var b = raw[p++];
            v |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
                return v;
            shift += 7;
        }
    }
}
