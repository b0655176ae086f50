using System.Text;
using FsCheck;
using FsCheck.Xunit;
using Sawmill.Storage.Binary;
using Sawmill.Storage.Chunks;

namespace Sawmill.Storage.Tests.Chunks;

/// <summary>
/// The cold blocks' "long numbers apart" layout (block flag bit 2, docs/format/chunk.md): every input comes back byte
/// for byte, whatever digits, marker bytes or number lengths it holds; it is used only when it pays; damage is reported.
/// </summary>
public sealed class NumberColumnTests
{
    private static byte[] RoundTrip(byte[] lines, out bool used)
    {
        var w = new ByteWriter(1024);
        var n = NumberColumn.TryEncode(w, lines, 19);
        used = n >= 0;
        if (!used)
            return lines;
        Assert.Equal(w.Length, n);
        var back = new byte[lines.Length];
        NumberColumn.Decode(w.WrittenSpan, back);
        return back;
    }

    private static readonly string[] Pieces =
    [
        "blk_", "-", " ", "\n", "0", "07", "1234567890", "123456789", "9999999999999999999", "10000000000000000000",
        "18446744073709551615", "0123456789012", "12345678901234567890123", "\u0001", "\u0002", "\u0001\u0002", "abc", "é",
        "10.251.73.220:50010", "size 67108864", "1117838570",
    ];

    [Property(MaxTest = 300)]
    public bool Any_mix_of_digits_markers_and_text_round_trips(int[] picks)
    {
        var sb = new StringBuilder();
        foreach (var p in picks ?? [])
            sb.Append(Pieces[(p & int.MaxValue) % Pieces.Length]);
        // Enough long numbers that the layout is used for most inputs.
        sb.Append(" 1117838570 6952295868487656571");
        var lines = Encoding.UTF8.GetBytes(sb.ToString());
        return RoundTrip(lines, out _).AsSpan().SequenceEqual(lines);
    }

    [Fact]
    public void Hdfs_lines_round_trip_and_get_smaller()
    {
        var lines = Encoding.UTF8.GetBytes(string.Join("\n", Enumerable.Range(0, 2000).Select(i =>
            $"081109 {203615 + i} {i % 300} INFO dfs.DataNode$PacketResponder: PacketResponder {i % 3} for block blk_{(i % 2 == 0 ? "-" : "")}{(ulong)(i + 1) * 6952295868487656571UL % 9_000_000_000_000_000_000UL + 1_000_000_000_000_000_000UL} terminating")) + "\n");
        Assert.Equal(lines, RoundTrip(lines, out var used));
        Assert.True(used);
        var plain = new byte[Compression.MaxCompressedLength(ChunkCodec.Zstd, lines.Length)];
        var plainSize = Compression.Compress(ChunkCodec.Zstd, lines, plain, 19);
        var w = new ByteWriter(1024);
        var split = NumberColumn.TryEncode(w, lines, 19);
        Assert.True(split < plainSize * 0.95, $"numbers apart {split} bytes, as text {plainSize}");
    }

    [Fact]
    public void Lines_with_few_long_numbers_keep_the_plain_layout()
    {
        var lines = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("Jul  1 09:00:55 calvisitor kernel[0]: ARPT: 620701.011328 wl0: MDNS: IPV6 Addr\n", 100)) + "pid 1234567890\n");
        var w = new ByteWriter(1024);
        Assert.Equal(-1, NumberColumn.TryEncode(w, lines, 19));
        Assert.Equal(0, w.Length);
    }

    [Fact]
    public void A_damaged_section_is_reported_not_misread()
    {
        var lines = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 200).Select(i => $"id {1_000_000_000_000 + i * 7919L} ok\n")));
        var w = new ByteWriter(1024);
        Assert.True(NumberColumn.TryEncode(w, lines, 19) > 0);
        var section = w.ToArray();
        var back = new byte[lines.Length];
        Assert.Throws<InvalidDataException>(() => NumberColumn.Decode(section.AsSpan(0, 11), back));
        Assert.Throws<InvalidDataException>(() => NumberColumn.Decode(section, new byte[lines.Length - 1]));
        section[8] ^= 0x10; // the number count
        Assert.Throws<InvalidDataException>(() => NumberColumn.Decode(section, back));
    }
}
