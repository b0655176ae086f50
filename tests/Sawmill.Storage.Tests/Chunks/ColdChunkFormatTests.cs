using System.Text;
using Sawmill.Core;
using Sawmill.Storage.Binary;
using Sawmill.Storage.Chunks;
using Sawmill.Storage.Compaction;
using Sawmill.Testing;

namespace Sawmill.Storage.Tests.Chunks;

/// <summary>Chunk version 2 (cold recompression) and the compact token filter, at the byte level (docs/format/chunk.md).</summary>
public sealed class ColdChunkFormatTests
{
    private static Chunk FlushChunk(int lines, int seed = 1)
    {
        var gen = new LogGenerator(seed);
        var builder = ChunkBuilder.Flush(ChunkCodec.Zstd, 4096);
        for (var i = 0; i < lines; i++)
            builder.Append(gen.NextTimestamp(), gen.NextLine(), i % 5 == 0 ? [new Label("trace_id", "t" + i)] : null);
        return builder.Build()!;
    }

    private static byte[] Bytes(Chunk chunk)
    {
        var w = new ByteWriter(1 << 16);
        ChunkFormat.Write(chunk, w);
        return w.ToArray();
    }

    private static List<(long, string, string)> Entries(Chunk chunk)
    {
        var result = new List<(long, string, string)>();
        using var d = new DecodedBlock();
        foreach (var b in chunk.Blocks)
        {
            BlockFormat.Decode(b, lines: true, metadata: true, d);
            for (var i = 0; i < d.Count; i++)
                result.Add((d.Timestamps[i], Encoding.UTF8.GetString(d.Lines, d.Offsets[i], d.Lengths[i]), string.Join(",", d.Metadata?[i]?.Select(l => l.Name + "=" + l.Value) ?? [])));
        }
        return result;
    }

    [Fact]
    public void A_flushed_chunk_is_version_3_and_a_recompressed_one_version_3_with_the_recompressed_flag()
    {
        var flushed = FlushChunk(2000);
        var cold = ChunkRecompressor.Recompress(flushed, new RecompressionSettings { ZstdLevel = 19, BlockSize = 1 << 20 });
        var v1 = Bytes(flushed);
        var v2 = Bytes(cold);

        Assert.Equal("SMCK"u8.ToArray(), v1[..4]);
        Assert.Equal(3, v1[4]);
        Assert.Equal(0, v1[6]);
        Assert.Equal(TrigramBloom.Probes, v1[44]);
        Assert.Equal(3, v2[4]);
        Assert.Equal(ChunkFormat.FlagRecompressed, v2[6]);
        Assert.Equal((byte)ChunkCodec.Zstd, v2[5]);
        Assert.InRange(v2[44], 1, TrigramBloom.MaxCompactProbes);
        Assert.True(v2.Length < v1.Length * 0.85, $"{v1.Length} → {v2.Length}");
        Assert.Single(cold.Blocks); // ~400 KiB raw in one 1 MiB cold block

        var read = ChunkFormat.Read(v2, "test");
        Assert.True(read.Recompressed);
        Assert.True(read.Filter!.IsCompact);
        Assert.Equal(cold.Filter!.Words.ToArray(), read.Filter.Words.ToArray());
        Assert.Equal(Entries(flushed), Entries(read));
        Assert.Equal(flushed.MinT, read.MinT);
        Assert.Equal(flushed.MaxT, read.MaxT);
        Assert.Equal(flushed.RawBytes, read.RawBytes);
        // The header alone gives the same filters (what a query reads before deciding what to read).
        var header = v2[..ChunkFormat.HeaderSize(read)];
        var parsed = ChunkFormat.ParseHeader(header, "test");
        Assert.Equal(read.Filter.Words.ToArray(), parsed.Trigrams(header)!.Words.ToArray());
        Assert.Equal(read.Blocks.Select(b => b.TokenFilter!), parsed.Blocks.Select(b => header.AsSpan(b.FilterOffset, b.FilterLength).ToArray()));
        // Recompressing again is a no-op.
        Assert.Same(read, ChunkRecompressor.Recompress(read, new RecompressionSettings()));
    }

    [Fact]
    public void Cold_blocks_end_lines_with_newlines_instead_of_a_length_column_unless_a_line_has_a_newline()
    {
        var raw = new RawBlock();
        for (var i = 0; i < 100; i++)
            raw.TryAppend(1000 + i, Encoding.UTF8.GetBytes($"line {i} " + new string('x', i)), null);
        var cold = BlockFormat.Encode(raw, ChunkCodec.Zstd, "t", 19, implicitLengths: true);
        var hot = BlockFormat.Encode(raw, ChunkCodec.Zstd, "t", 19, implicitLengths: false);
        var span = cold.Bytes.Span;
        Assert.Equal(BlockFormat.FlagImplicitLengths | BlockFormat.FlagColumnsCompressed, span[29]);
        Assert.Equal(0u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(span[8..])); // L = 0
        Assert.Equal((uint)(raw.DataLength + 100), System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(span[24..]));
        Assert.Equal(raw.DataLength, cold.RawBytes);
        Assert.True(cold.Bytes.Length < hot.Bytes.Length, $"{hot.Bytes.Length} → {cold.Bytes.Length}");
        using var d = new DecodedBlock();
        foreach (var lines in new[] { true, false })
        {
            BlockFormat.Decode(cold, lines, metadata: false, d, lengths: true);
            for (var i = 0; i < 100; i++)
            {
                Assert.Equal(1000 + i, d.Timestamps[i]);
                Assert.Equal(raw.LengthAt(i), d.Lengths[i]);
                if (lines)
                    Assert.Equal(Encoding.UTF8.GetString(raw.LineAt(i)), Encoding.UTF8.GetString(d.Lines, d.Offsets[i], d.Lengths[i]));
            }
        }
        BlockFormat.Decode(cold, lines: false, metadata: false, d, lengths: false);
        Assert.Equal(1099, d.Timestamps[99]);

        raw.TryAppend(2000, "a stack trace\n  at frame 1"u8, null);
        var multiline = BlockFormat.Encode(raw, ChunkCodec.Zstd, "t", 19, implicitLengths: true);
        Assert.Equal(BlockFormat.FlagColumnsCompressed, multiline.Bytes.Span[29]);
        BlockFormat.Decode(multiline, lines: true, metadata: false, d);
        Assert.Equal("a stack trace\n  at frame 1", Encoding.UTF8.GetString(d.Lines, d.Offsets[100], d.Lengths[100]));
    }

    [Fact]
    public void Long_numbers_go_to_their_own_column_only_where_that_compresses_better()
    {
        var rnd = new Random(9);
        var ids = new RawBlock();
        var clock = new RawBlock();
        for (var i = 0; i < 2000; i++)
        {
            // Random 63-bit ids (HDFS's block ids): as integers they cost less than as digits.
            ids.TryAppend(i, Encoding.UTF8.GetBytes($"INFO served block blk_{rnd.NextInt64(1_000_000_000_000_000_000, long.MaxValue)} to 10.0.0.{i % 7}"), null);
            // Consecutive epoch milliseconds (HealthApp): as text they share their prefixes and cost less.
            clock.TryAppend(i, Encoding.UTF8.GetBytes($"onExtend:{1514038530000 + i * 17} {i % 5} 0 4"), null);
        }
        using var d = new DecodedBlock();
        foreach (var (raw, apart) in new[] { (ids, true), (clock, false) })
        {
            var block = BlockFormat.Encode(raw, ChunkCodec.Zstd, "t", 19, implicitLengths: true, numberColumn: true);
            Assert.Equal(apart, (block.Bytes.Span[29] & BlockFormat.FlagNumberColumn) != 0);
            BlockFormat.Decode(block, lines: true, metadata: false, d);
            for (var i = 0; i < raw.Count; i++)
                Assert.True(raw.LineAt(i).SequenceEqual(d.Lines.AsSpan(d.Offsets[i], d.Lengths[i])));
        }
    }

    [Fact]
    public void An_unknown_chunk_version_is_reported_as_corruption_naming_the_file()
    {
        var bytes = Bytes(FlushChunk(100));
        bytes[4] = 4;
        var e = Assert.Throws<StorageCorruptionException>(() => ChunkFormat.Read(bytes, "/data/blocks/x/chunks"));
        Assert.Equal("/data/blocks/x/chunks", e.Path);
        Assert.Contains("version 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrupt_cold_header_fails_its_checksum()
    {
        var cold = ChunkRecompressor.Recompress(FlushChunk(500), new RecompressionSettings());
        var bytes = Bytes(cold);
        bytes[ChunkFormat.FixedHeaderSize + ChunkFormat.BlockEntrySize] ^= 0x10; // a filter bit
        Assert.Throws<StorageCorruptionException>(() => ChunkFormat.Read(bytes, "x"));
    }

    [Theory]
    [InlineData(100, 3000)]
    [InlineData(5000, 20_000)]
    [InlineData(20_000, 1_000_000)]
    [InlineData(3000, 100_000)]
    public void The_compact_filter_never_loses_a_trigram_and_keeps_false_positives_near_its_design(int trigrams, long storedBytes)
    {
        var rnd = new Random(trigrams);
        var ids = Enumerable.Range(0, trigrams * 2).Select(_ => rnd.Next(1 << 24)).Distinct().Take(trigrams).ToArray();
        var bloom = TrigramBloom.BuildCompact(ids, storedBytes)!;
        Assert.NotNull(bloom);
        Assert.True(bloom.IsCompact);
        Assert.All(ids, id => Assert.True(bloom.MayContain(id)));
        Assert.True(bloom.SizeBytes * 8L <= Math.Max(512 + 63, storedBytes / 2 + 63), $"{bloom.SizeBytes} bytes for {storedBytes} stored");
        var set = ids.ToHashSet();
        var probes = Enumerable.Range(0, 20_000).Select(_ => rnd.Next(1 << 24)).Where(id => !set.Contains(id)).ToArray();
        var fp = probes.Count(bloom.MayContain) / (double)probes.Length;
        var bitsPerTrigram = bloom.SizeBytes * 8.0 / trigrams;
        // The optimum for b bits per key is 0.6185^b; the probe count is rounded, so allow some slack.
        Assert.True(fp < Math.Pow(0.6185, bitsPerTrigram) * 1.5 + 0.01, $"false positives {fp:P1} at {bitsPerTrigram:F1} bits per trigram");
    }

    [Fact]
    public void The_compact_filter_is_left_out_when_the_budget_gives_less_than_a_bit_per_trigram()
    {
        var ids = Enumerable.Range(0, 10_000).ToArray();
        Assert.Null(TrigramBloom.BuildCompact(ids, storedBytes: 10_000)); // 5,000 bits for 10,000 trigrams
        Assert.NotNull(TrigramBloom.BuildCompact(ids, storedBytes: 200_000));
    }

    [Fact]
    public void A_compact_filter_with_an_out_of_range_probe_count_is_corrupt()
    {
        Assert.Throws<InvalidDataException>(() => TrigramBloom.FromCompactWords([1, 2, 3], 0));
        Assert.Throws<InvalidDataException>(() => TrigramBloom.FromCompactWords([1, 2, 3], 5));
        Assert.Throws<InvalidDataException>(() => TrigramBloom.FromCompactWords([], 2));
        Assert.Equal(3, TrigramBloom.FromCompactWords([1, 2, 3], 2).Words.Length);
    }
}
