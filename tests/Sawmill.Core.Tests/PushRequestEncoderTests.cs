using System.Text;
using Sawmill.Core;
using Sawmill.Core.Protocol;

namespace Sawmill.Core.Tests;

public sealed class PushRequestEncoderTests
{
    [Fact]
    public void Encodes_one_entry_with_the_field_numbers_of_Loki_push_proto()
    {
        var stream = new PushStream(Labels.From(("a", "b")),
            [new PushEntry(1_500_000_000L * TimeNs.PerSecond + 7, Encoding.UTF8.GetBytes("hi"), [new Label("k", "v")])]);
        var bytes = PushRequestEncoder.Encode([stream]);
        // streams(1,LEN) { labels(1,LEN) "{a=\"b\"}" entries(2,LEN) { timestamp(1,LEN){seconds(1), nanos(2)} line(2) "hi" sm(3){name(1) "k" value(2) "v"} } }
        var labels = Encoding.UTF8.GetBytes("{a=\"b\"}");
        Assert.Equal(0x0A, bytes[0]);
        Assert.Equal(0x0A, bytes[2]);
        Assert.Equal(labels.Length, bytes[3]);
        Assert.Equal(labels, bytes[4..(4 + labels.Length)]);
        var entry = bytes[(4 + labels.Length)..];
        Assert.Equal(0x12, entry[0]);
        Assert.Equal(entry.Length - 2, entry[1]);
        Assert.Equal(0x0A, entry[2]); // timestamp
        var tsLen = entry[3];
        Assert.Equal(0x08, entry[4]); // seconds varint
        Assert.Equal(0x10, entry[4 + tsLen - 2]); // nanos = 7
        Assert.Equal(7, entry[4 + tsLen - 1]);
        var rest = entry[(4 + tsLen)..];
        Assert.Equal(new byte[] { 0x12, 2, (byte)'h', (byte)'i', 0x1A, 6, 0x0A, 1, (byte)'k', 0x12, 1, (byte)'v' }, rest);
        Assert.Equal(bytes.Length - 2, bytes[1]);
    }
}
