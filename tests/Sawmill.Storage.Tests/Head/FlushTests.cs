using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;
using Sawmill.Storage.Chunks;
using Sawmill.Testing;

namespace Sawmill.Storage.Tests.Head;

public sealed class FlushTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sawmill-flush-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<LogStore> Open(ChunkCodec codec = ChunkCodec.Zstd) =>
        LogStore.OpenAsync(new LogStoreOptions
        {
            Directory = _dir,
            Codec = codec,
            BlockSize = 4096,
            ChunkTargetSize = 8192,
            BackgroundFlush = false,
        }, NullLogger.Instance);

    private static readonly Labels[] StreamSet = LogGenerator.StreamLabels(6);

    /// <summary>Pushes <paramref name="n"/> generated entries spread over the streams; returns what was pushed per stream.</summary>
    private static async Task<Dictionary<Labels, List<(long, string)>>> PushGenerated(LogStore store, int n, int seed = 1)
    {
        var gen = new LogGenerator(seed);
        var expected = StreamSet.ToDictionary(l => l, _ => new List<(long, string)>());
        for (var batch = 0; batch < n / 100; batch++)
        {
            var streams = new List<PushStream>();
            foreach (var labels in StreamSet)
                streams.Add(new PushStream(labels, []));
            for (var i = 0; i < 100; i++)
            {
                var ts = gen.NextTimestamp();
                var line = gen.NextLineText();
                var s = streams[(batch * 100 + i) % streams.Count];
                s.Entries.Add(new PushEntry(ts, Encoding.UTF8.GetBytes(line)));
                expected[s.Labels].Add((ts, line));
            }
            await store.PushAsync("t", streams, default);
        }
        return expected;
    }

    private static List<(long, string)> Read(LogStore store, Labels labels, Direction direction = Direction.Forward, ILineFilter? filter = null, QueryStatistics? stats = null)
    {
        var matchers = labels.AsSpan().ToArray().Select(l => LabelMatcher.Equal(l.Name, l.Value)).ToList();
        var its = store.Select(new SelectRequest
        {
            Tenant = "t",
            Matchers = matchers,
            StartNs = 0,
            EndNs = long.MaxValue,
            Direction = direction,
            LineFilter = filter,
            Statistics = stats ?? new QueryStatistics(),
        }, default);
        var result = new List<(long, string)>();
        foreach (var it in its)
            using (it)
                while (it.Next())
                    result.Add((it.TimestampNs, Encoding.UTF8.GetString(it.Line)));
        return result;
    }

    [Theory]
    [InlineData(ChunkCodec.Zstd)]
    [InlineData(ChunkCodec.Snappy)]
    [InlineData(ChunkCodec.Lz4)]
    [InlineData(ChunkCodec.None)]
    public async Task Flushed_blocks_return_the_same_entries_as_the_head(ChunkCodec codec)
    {
        await using var store = await Open(codec);
        var expected = await PushGenerated(store, 3000);
        var before = StreamSet.ToDictionary(l => l, l => Read(store, l));
        await store.FlushAsync(force: true);
        Assert.True(store.Metrics.BlocksWritten >= 1);
        Assert.True(store.Metrics.ChunksFlushed >= StreamSet.Length);
        foreach (var labels in StreamSet)
        {
            Assert.Equal(expected[labels], before[labels]);
            Assert.Equal(expected[labels], Read(store, labels));
            var backward = Read(store, labels, Direction.Backward);
            backward.Reverse();
            Assert.Equal(expected[labels], backward);
        }
    }

    [Fact]
    public async Task A_reopened_store_serves_blocks_and_the_replayed_checkpoint_exactly_once()
    {
        Dictionary<Labels, List<(long, string)>> expected;
        await using (var store = await Open())
        {
            expected = await PushGenerated(store, 2000);
            await store.FlushAsync(force: false);
            var more = await PushGenerated(store, 1000, seed: 2);
            foreach (var (k, v) in more)
                expected[k] = [.. expected[k], .. v];
            await store.FlushAsync(force: true);
            var tail = await PushGenerated(store, 500, seed: 3);
            foreach (var (k, v) in tail)
                expected[k] = [.. expected[k], .. v];
        }
        Assert.Single(Directory.GetFiles(Path.Combine(_dir, "wal"), "checkpoint.*"));
        await using var reopened = await Open();
        foreach (var labels in StreamSet)
            Assert.Equal(expected[labels].OrderBy(e => e.Item1).ToList(), Read(reopened, labels));
        var stats = reopened.Stats("t", [LabelMatcher.Equal("env", "prod")], 0, long.MaxValue, default);
        Assert.Equal(3500, stats.Entries);
    }

    [Fact]
    public async Task Head_metrics_count_what_memory_holds_until_a_flush_writes_it()
    {
        await using var store = await Open();
        await PushGenerated(store, 1000);
        store.UpdateHeadMetrics();
        Assert.Equal(1000, store.Metrics.HeadEntries);
        Assert.True(store.Metrics.HeadBytes > 0);
        Assert.Equal(StreamSet.Length, store.Metrics.Streams);
        await store.FlushAsync(force: true);
        store.UpdateHeadMetrics();
        Assert.Equal(0, store.Metrics.HeadEntries);
        Assert.Equal(0, store.Metrics.HeadBytes);
    }

    [Fact]
    public async Task Wal_segments_covered_by_a_checkpoint_are_deleted()
    {
        await using var store = await Open();
        await PushGenerated(store, 1000);
        var segmentsBefore = Directory.GetFiles(Path.Combine(_dir, "wal"), "*.wal").Length;
        await store.FlushAsync(force: true);
        var segments = Directory.GetFiles(Path.Combine(_dir, "wal"), "*.wal").Select(Path.GetFileName).ToList();
        Assert.Equal(1, segmentsBefore);
        // Only the fresh segment opened by the checkpoint's rotation remains.
        Assert.Equal(["00000001.wal"], segments);
        Assert.Equal(1, store.Metrics.Checkpoints);
    }

    [Fact]
    public async Task A_needle_query_skips_chunks_by_their_token_filter()
    {
        await using var store = await Open();
        await PushGenerated(store, 3000);
        var needleLabels = StreamSet[0];
        await store.PushAsync("t", [new PushStream(needleLabels, [new PushEntry(1_800_000_000_000_000_000, "the needle zq-7781-xk"u8.ToArray())])], default);
        await store.FlushAsync(force: true);
        var stats = new QueryStatistics();
        var found = Read(store, needleLabels, filter: new Contains("zq-7781-xk"), stats: stats);
        Assert.Equal([(1_800_000_000_000_000_000L, "the needle zq-7781-xk")], found);
        Assert.True(stats.ChunksSkipped > 0, $"skipped {stats.ChunksSkipped}, touched {stats.ChunksTouched}");
        Assert.True(stats.ChunksTouched >= 1);
    }

    [Fact]
    public async Task Timestamp_only_reads_do_not_decompress_lines()
    {
        await using var store = await Open();
        var expected = await PushGenerated(store, 1200);
        await store.FlushAsync(force: true);
        var stats = new QueryStatistics();
        var its = store.Select(new SelectRequest
        {
            Tenant = "t",
            Matchers = [LabelMatcher.Equal("app", StreamSet[0].Get("app")!)],
            StartNs = 0,
            EndNs = long.MaxValue,
            Fields = EntryFields.LineLengths,
            Statistics = stats,
        }, default);
        var count = 0;
        foreach (var it in its)
            using (it)
                while (it.Next())
                {
                    Assert.True(it.Line.IsEmpty);
                    Assert.True(it.LineLength > 0);
                    count++;
                }
        Assert.Equal(expected.Where(e => e.Key.Get("app") == StreamSet[0].Get("app")).Sum(e => e.Value.Count), count);
        Assert.Equal(0, stats.DecompressedBytes);
        Assert.True(stats.DecompressedLines > 0);
    }

    [Fact]
    public async Task Labels_series_and_stats_cover_head_and_blocks()
    {
        await using var store = await Open();
        await PushGenerated(store, 600);
        await store.FlushAsync(force: true);
        var late = Labels.From(("app", "late"), ("env", "dev"));
        await store.PushAsync("t", [new PushStream(late, [new PushEntry(5, "x"u8.ToArray())])], default);
        var all = store.Series("t", [LabelMatcher.Create(MatchType.Regex, "app", ".+")], 0, long.MaxValue, default);
        Assert.Equal(StreamSet.Length + 1, all.Count);
        Assert.Contains("late", store.LabelValues("t", "app", 0, long.MaxValue, null, default));
        Assert.Contains("instance", store.LabelNames("t", 0, long.MaxValue, null, default));
        Assert.Equal(601, store.Stats("t", [LabelMatcher.Create(MatchType.Regex, "app", ".+")], 0, long.MaxValue, default).Entries);
    }

    [Fact]
    public async Task A_corrupt_block_is_set_aside_and_the_store_serves_the_rest()
    {
        await using (var store = await Open())
        {
            await PushGenerated(store, 600);
            await store.FlushAsync(force: true);
            await PushGenerated(store, 600, seed: 9);
            await store.FlushAsync(force: true);
        }
        var blocks = Directory.GetDirectories(Path.Combine(_dir, "blocks", "t")).OrderBy(d => d).ToList();
        Assert.Equal(2, blocks.Count);
        var index = Path.Combine(blocks[0], "index");
        var bytes = File.ReadAllBytes(index);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(index, bytes);
        await using var reopened = await Open();
        Assert.Equal(1, reopened.Metrics.CorruptBlocks);
        Assert.True(Directory.Exists(blocks[0] + ".corrupt"));
        Assert.Equal(600, reopened.Stats("t", [LabelMatcher.Create(MatchType.Regex, "app", ".+")], 0, long.MaxValue, default).Entries);
    }

    [Fact]
    public async Task A_corrupt_chunk_is_skipped_with_a_warning_naming_its_block()
    {
        await using (var store = await Open())
        {
            await PushGenerated(store, 600);
            await store.FlushAsync(force: true);
        }
        var block = Directory.GetDirectories(Path.Combine(_dir, "blocks", "t")).Single();
        var chunks = Path.Combine(block, "chunks");
        var bytes = File.ReadAllBytes(chunks);
        for (var i = 200; i < bytes.Length; i += 997)
            bytes[i] ^= 0x5a;
        File.WriteAllBytes(chunks, bytes);
        await using var reopened = await Open();
        var stats = new QueryStatistics();
        var its = reopened.Select(new SelectRequest { Tenant = "t", Matchers = [LabelMatcher.Create(MatchType.Regex, "app", ".+")], StartNs = 0, EndNs = long.MaxValue, Statistics = stats }, default);
        foreach (var it in its)
            using (it)
                while (it.Next())
                {
                }
        Assert.NotEmpty(stats.Warnings);
        Assert.All(stats.Warnings, w => Assert.Contains(Path.GetFileName(block), w));
        Assert.True(reopened.Metrics.DamagedChunks > 0);
    }

    [Fact]
    public async Task A_block_written_after_the_last_checkpoint_is_dropped_and_its_entries_come_from_the_wal()
    {
        Dictionary<Labels, List<(long, string)>> expected;
        var wal = Path.Combine(_dir, "wal");
        var walCopy = Path.Combine(_dir, "wal-before-flush");
        await using (var store = await Open())
        {
            expected = await PushGenerated(store, 1000);
            // Simulate a crash between the block rename and the checkpoint rename: the WAL as it was before the
            // flush, plus the flushed block.
            Directory.CreateDirectory(walCopy);
            foreach (var f in Directory.GetFiles(wal))
                File.Copy(f, Path.Combine(walCopy, Path.GetFileName(f)));
            await store.FlushAsync(force: true);
        }
        Directory.Delete(wal, recursive: true);
        Directory.Move(walCopy, wal);
        await using var reopened = await Open();
        Assert.Equal(0, reopened.Metrics.Blocks);
        Assert.Empty(Directory.GetDirectories(Path.Combine(_dir, "blocks", "t")));
        foreach (var labels in StreamSet)
            Assert.Equal(expected[labels], Read(reopened, labels));
    }

    private sealed class Contains(string needle) : ILineFilter
    {
        private readonly byte[] _needle = Encoding.UTF8.GetBytes(needle);
        public bool Matches(ReadOnlySpan<byte> line) => line.IndexOf(_needle) >= 0;
        public IReadOnlyList<byte[]> RequiredSubstrings => [_needle];
    }
}
