using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;
using Sawmill.Storage.Blocks;
using Sawmill.Storage.Chunks;
using Sawmill.Storage.Compaction;
using Sawmill.Testing;

namespace Sawmill.Storage.Tests.Compaction;

/// <summary>The compactor's cold recompression (<see cref="LogStore.RecompressAsync"/>) against a real store on disk.</summary>
public sealed class RecompressionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sawmill-recompress-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Small flush blocks and chunks so that a few thousand lines give several chunks of several blocks; cold blocks of
    // 16 KiB so that recompression re-cuts them.
    private Task<LogStore> Open(int chunkTargetSize = 8192) =>
        LogStore.OpenAsync(new LogStoreOptions
        {
            Directory = _dir,
            BlockSize = 4096,
            ChunkTargetSize = chunkTargetSize,
            BackgroundFlush = false,
            Recompression = new RecompressionSettings { ZstdLevel = 19, BlockSize = 16384, CpuShare = 1 },
        }, NullLogger.Instance);

    private static readonly Labels Api = Labels.From(("app", "api"));
    private static readonly Labels Web = Labels.From(("app", "web"));
    private const long Start = 1_700_000_000_000_000_000;

    /// <summary>
    /// Generated lines on two streams, some with structured metadata, some out of order, one stream with lines of a
    /// rare word, so that every column of the block format and the token filter are exercised.
    /// </summary>
    private static async Task PushMix(LogStore store, int perStream, long startNs = Start, int seed = 3)
    {
        var gen = new LogGenerator(seed, startNs);
        foreach (var labels in new[] { Api, Web })
        {
            for (var batch = 0; batch < perStream / 500; batch++)
            {
                var entries = new List<PushEntry>();
                for (var i = 0; i < 500; i++)
                {
                    var ts = gen.NextTimestamp();
                    if (i % 97 == 5)
                        ts -= 50 * TimeNs.PerMillisecond; // out of order within the window
                    var line = gen.NextLine();
                    if (labels.Equals(Web) && i % 250 == 0)
                        line = Encoding.UTF8.GetBytes($"zebracorn-{batch} sighted");
                    Label[]? meta = i % 7 == 0 ? [new Label("trace_id", $"t{batch}-{i}"), new Label("user", "u" + (i % 13))] : null;
                    entries.Add(new PushEntry(ts, line, meta));
                }
                await store.PushAsync("t", [new PushStream(labels, entries)], default);
            }
        }
    }

    private static List<string> ReadAll(LogStore store, ILineFilter? filter = null, QueryStatistics? stats = null, Direction direction = Direction.Forward)
    {
        var its = store.Select(new SelectRequest
        {
            Tenant = "t",
            Matchers = [LabelMatcher.Create(MatchType.Regex, "app", ".+")],
            StartNs = 0,
            EndNs = long.MaxValue,
            Direction = direction,
            LineFilter = filter,
            Statistics = stats ?? new QueryStatistics(),
        }, default);
        var result = new List<string>();
        foreach (var it in its.OrderBy(i => i.Labels))
            using (it)
                while (it.Next())
                    result.Add($"{it.Labels} {it.TimestampNs} {it.LineLength} {Encoding.UTF8.GetString(it.Line)} {string.Join(",", it.Metadata.ToArray().Select(l => l.Name + "=" + l.Value))}");
        return result;
    }

    private static long CountOnly(LogStore store)
    {
        long n = 0;
        foreach (var it in store.Select(new SelectRequest { Tenant = "t", Matchers = [LabelMatcher.Create(MatchType.Regex, "app", ".+")], StartNs = 0, EndNs = long.MaxValue, Fields = EntryFields.Timestamps }, default))
            using (it)
                while (it.Next())
                    n++;
        return n;
    }

    /// <summary>Timestamps and line lengths only, as bytes_over_time reads them (cold blocks have no length column).</summary>
    private static List<(long, int)> LengthsOnly(LogStore store)
    {
        var result = new List<(long, int)>();
        foreach (var it in store.Select(new SelectRequest { Tenant = "t", Matchers = [LabelMatcher.Create(MatchType.Regex, "app", ".+")], StartNs = 0, EndNs = long.MaxValue, Fields = EntryFields.LineLengths }, default).OrderBy(i => i.Labels))
            using (it)
                while (it.Next())
                    result.Add((it.TimestampNs, it.LineLength));
        return result;
    }

    private string TenantDir => Path.Combine(_dir, "blocks", "t");

    private List<Chunk> ChunksOnDisk()
    {
        var chunks = new List<Chunk>();
        foreach (var dir in Directory.GetDirectories(TenantDir))
        {
            using var reader = BlockReader.Open(dir);
            foreach (var (_, metas) in reader.Series)
                foreach (var m in metas)
                    chunks.Add(reader.ReadChunk(m));
        }
        return chunks;
    }

    // What a block's meta counts as its stored bytes: the chunks and index files.
    private long BlockBytesOnDisk() => new DirectoryInfo(TenantDir).EnumerateFiles("*", SearchOption.AllDirectories)
        .Where(f => f.Name is "chunks" or "index").Sum(f => f.Length);

    // Every chunk is recompressed in these tests, so the run's chunk bytes before and after are the chunks files'.
    private long ChunksFileBytes() => new DirectoryInfo(TenantDir).EnumerateFiles("chunks", SearchOption.AllDirectories).Sum(f => f.Length);

    private static bool MarkedRecompressed(string blockDir) =>
        System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(blockDir, "meta.json"))).RootElement.TryGetProperty("recompressed", out var p) && p.GetBoolean();

    [Fact]
    public async Task Recompression_keeps_every_entry_and_makes_the_blocks_smaller()
    {
        await using var store = await Open();
        await PushMix(store, 3000);
        await store.FlushAsync(force: true);
        var before = ReadAll(store);
        var backward = ReadAll(store, direction: Direction.Backward);
        var lengths = LengthsOnly(store);
        var bytesBefore = ChunksFileBytes();
        Assert.All(ChunksOnDisk(), c => Assert.False(c.Recompressed));

        var result = await store.RecompressAsync(long.MaxValue);

        Assert.Equal(1, result.BlocksRewritten);
        Assert.True(result.ChunksRecompressed > 4, $"{result.ChunksRecompressed} chunks");
        Assert.Equal(bytesBefore, result.BytesBefore);
        Assert.True(result.BytesAfter < result.BytesBefore * 0.9, $"{result.BytesBefore} → {result.BytesAfter}");
        Assert.Equal(result.BytesAfter, ChunksFileBytes());
        Assert.True(BlockBytesOnDisk() < bytesBefore);
        Assert.Equal(result.BytesBefore, store.Metrics.RecompressedBytesBefore);
        Assert.Equal(result.BytesAfter, store.Metrics.RecompressedBytesAfter);
        var chunks = ChunksOnDisk();
        Assert.All(chunks, c => Assert.True(c.Recompressed));
        Assert.All(chunks, c => Assert.True(c.Filter is null or { IsCompact: true }));
        // Cold blocks are re-cut at 16 KiB raw: fewer, larger blocks than the 4 KiB ones of the flush.
        Assert.Contains(chunks, c => c.Blocks.Any(b => b.RawBytes > 8192));
        Assert.Equal(before, ReadAll(store));
        Assert.Equal(backward, ReadAll(store, direction: Direction.Backward));
        Assert.Equal(before.Count, CountOnly(store));
        Assert.Equal(lengths, LengthsOnly(store));
        await store.DisposeAsync();

        await using var reopened = await Open();
        Assert.Equal(before, ReadAll(reopened));
        Assert.Single(Directory.GetDirectories(TenantDir));
    }

    [Fact]
    public async Task A_second_run_finds_nothing_to_do_and_leaves_the_files_alone()
    {
        await using var store = await Open();
        await PushMix(store, 1000);
        await store.FlushAsync(force: true);
        await store.RecompressAsync(long.MaxValue);
        var dir = Assert.Single(Directory.GetDirectories(TenantDir));
        var bytes = File.ReadAllBytes(Path.Combine(dir, "chunks"));
        Assert.True(MarkedRecompressed(dir));

        var again = await store.RecompressAsync(long.MaxValue);

        Assert.Equal(0, again.BlocksRewritten);
        Assert.Equal(0, again.ChunksRecompressed);
        Assert.Equal(dir, Assert.Single(Directory.GetDirectories(TenantDir)));
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(dir, "chunks")));
    }

    [Fact]
    public async Task Only_blocks_older_than_the_cutoff_are_recompressed()
    {
        await using var store = await Open();
        await PushMix(store, 1000, Start);
        await store.FlushAsync(force: true);
        await PushMix(store, 1000, Start + TimeNs.PerHour, seed: 4);
        await store.FlushAsync(force: true);
        Assert.Equal(2, store.Metrics.Blocks);

        var result = await store.RecompressAsync(Start + 30 * TimeNs.PerMinute);

        Assert.Equal(1, result.BlocksRewritten);
        var recompressed = ChunksOnDisk().GroupBy(c => c.Recompressed).ToDictionary(g => g.Key, g => g.Max(c => c.MaxT));
        Assert.True(recompressed[true] < Start + 30 * TimeNs.PerMinute);
        Assert.True(recompressed[false] >= Start + TimeNs.PerHour);
    }

    [Fact]
    public async Task Merging_a_cold_block_with_a_new_one_copies_the_cold_chunks_and_a_later_run_recompresses_only_the_rest()
    {
        await using var store = await Open();
        await PushMix(store, 1000, Start);
        await store.FlushAsync(force: true);
        var first = await store.RecompressAsync(long.MaxValue);
        await PushMix(store, 1000, Start + TimeNs.PerHour, seed: 4);
        await store.FlushAsync(force: true);
        var all = ReadAll(store);

        var merged = await store.CompactAsync(null);
        Assert.Equal(2, merged.BlocksCompacted);
        var coldChunks = ChunksOnDisk().Count(c => c.Recompressed);
        Assert.Equal(first.ChunksRecompressed, coldChunks);
        Assert.Equal(all, ReadAll(store));

        var second = await store.RecompressAsync(long.MaxValue);
        Assert.Equal(1, second.BlocksRewritten);
        Assert.Equal(ChunksOnDisk().Count - coldChunks, second.ChunksRecompressed);
        Assert.All(ChunksOnDisk(), c => Assert.True(c.Recompressed));
        Assert.Equal(all, ReadAll(store));
    }

    [Fact]
    public async Task Only_the_old_chunks_of_a_block_are_recompressed_and_the_block_is_marked_once_all_are()
    {
        await using var store = await Open();
        // One block whose chunks span about 20 s: entries 1–2 ms apart, ~40 KiB raw per chunk.
        await PushMix(store, 6000);
        await store.FlushAsync(force: true);
        var all = ReadAll(store);
        var chunks = ChunksOnDisk();
        var middle = chunks.OrderBy(c => c.MaxT).ElementAt(chunks.Count / 2).MaxT + 1;

        var first = await store.RecompressAsync(middle);

        Assert.Equal(1, first.BlocksRewritten);
        var after = ChunksOnDisk();
        Assert.All(after, c => Assert.Equal(c.MaxT < middle, c.Recompressed));
        Assert.Equal(after.Count(c => c.Recompressed), first.ChunksRecompressed);
        Assert.False(MarkedRecompressed(Assert.Single(Directory.GetDirectories(TenantDir))));
        Assert.Equal(all, ReadAll(store));
        // Nothing new is old enough: the block is left alone (its old chunks' first bytes say they are cold).
        Assert.Equal(0, (await store.RecompressAsync(middle)).BlocksRewritten);

        var second = await store.RecompressAsync(long.MaxValue);
        Assert.Equal(after.Count(c => !c.Recompressed), second.ChunksRecompressed);
        Assert.True(MarkedRecompressed(Assert.Single(Directory.GetDirectories(TenantDir))));
        Assert.Equal(all, ReadAll(store));
    }

    [Fact]
    public async Task A_merge_recompresses_the_old_chunks_it_copies_so_a_block_that_keeps_growing_still_gets_cold()
    {
        await using var store = await Open();
        await PushMix(store, 1000, Start);
        await store.FlushAsync(force: true);
        await PushMix(store, 1000, Start + TimeNs.PerHour, seed: 4);
        await store.FlushAsync(force: true);
        var all = ReadAll(store);
        var cutoff = Start + 30 * TimeNs.PerMinute;

        // The merge's output holds new entries, so as a whole it is never older than the cutoff; its old chunks are
        // recompressed by the merge itself.
        var merged = await store.CompactAsync(null, cutoff);

        Assert.Equal(2, merged.BlocksCompacted);
        var chunks = ChunksOnDisk();
        Assert.All(chunks, c => Assert.Equal(c.MaxT < cutoff, c.Recompressed));
        Assert.Equal(chunks.Count(c => c.Recompressed), merged.Recompressed.ChunksRecompressed);
        Assert.True(merged.Recompressed.BytesAfter < merged.Recompressed.BytesBefore);
        Assert.Equal(all, ReadAll(store));
        Assert.Equal(0, (await store.RecompressAsync(cutoff)).BlocksRewritten);
    }

    [Fact]
    public async Task Retention_rewriting_a_cold_chunk_keeps_it_cold()
    {
        await using var store = await Open();
        await PushMix(store, 2000);
        await store.FlushAsync(force: true);
        await store.RecompressAsync(long.MaxValue);
        var all = ReadAll(store);
        var cutoff = Start + 2 * TimeNs.PerSecond;

        var result = await store.CompactAsync(new PeriodRetentionPolicy(TimeSpan.FromHours(1), now: () => cutoff + TimeNs.PerHour));

        Assert.True(result.EntriesRemoved > 0);
        Assert.All(ChunksOnDisk(), c => Assert.True(c.Recompressed));
        Assert.True(MarkedRecompressed(Assert.Single(Directory.GetDirectories(TenantDir))));
        Assert.Equal(all.Where(e => long.Parse(e.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture) >= cutoff).ToList(), ReadAll(store));
    }

    [Fact]
    public async Task Line_filter_queries_give_the_same_results_and_cold_token_filters_still_skip_chunks()
    {
        // Chunks of about 150 KiB raw, so that a cold chunk's filter budget (a sixteenth of its stored bytes) gives
        // more than one bit per trigram and the chunk gets a filter.
        await using var store = await Open(chunkTargetSize: 32768);
        await PushMix(store, 6000);
        await store.FlushAsync(force: true);
        var filters = new[] { "zebracorn", "zebracorn-3", "request_id", "needle-that-is-absent", "ab" };
        var before = filters.Select(f => ReadAll(store, new Contains(f))).ToList();

        await store.RecompressAsync(long.MaxValue);

        for (var i = 0; i < filters.Length; i++)
            Assert.Equal(before[i], ReadAll(store, new Contains(filters[i])));
        // The filter is probabilistic: at this test's small chunks the compact filter gets 1–3 bits per trigram, so a
        // few chunks may pass; most must be skipped without being read.
        var stats = new QueryStatistics();
        Assert.Empty(ReadAll(store, new Contains("needle-that-is-absent"), stats));
        Assert.True(stats.ChunksSkipped >= 4 * stats.ChunksTouched && stats.ChunksSkipped > 10, $"skipped {stats.ChunksSkipped}, touched {stats.ChunksTouched}");
    }

    /// <summary>
    /// Flushes one block, keeps a copy of it, then recompresses it in a store that is closed again. Returns the input
    /// block's directory (now gone), the copy, and every line as read before the recompression.
    /// </summary>
    private async Task<(string Input, string Saved, List<string> All)> RecompressOneBlockKeepingItsInput()
    {
        await using (var store = await Open())
        {
            await PushMix(store, 1000);
            await store.FlushAsync(force: true);
        }
        var input = Assert.Single(Directory.GetDirectories(TenantDir));
        var saved = Path.Combine(_dir, "saved");
        CopyDir(input, saved);
        await using var recompressing = await Open();
        var all = ReadAll(recompressing);
        await recompressing.RecompressAsync(long.MaxValue);
        return (input, saved, all);
    }

    [Fact]
    public async Task A_crash_after_the_rename_leaves_the_new_block_and_the_input_is_removed_on_open()
    {
        var (input, saved, all) = await RecompressOneBlockKeepingItsInput();
        // The process died after the output's rename and before the input's removal: both directories are there.
        CopyDir(saved, input);
        Assert.Equal(2, Directory.GetDirectories(TenantDir).Length);

        await using var reopened = await Open();
        Assert.Equal(1, reopened.Metrics.Blocks);
        Assert.False(Directory.Exists(input));
        Assert.Equal(all, ReadAll(reopened));
        Assert.All(ChunksOnDisk(), c => Assert.True(c.Recompressed));
    }

    [Fact]
    public async Task A_crash_before_the_rename_leaves_the_input_and_the_unfinished_output_is_removed_on_open()
    {
        var (input, saved, all) = await RecompressOneBlockKeepingItsInput();
        // The process died after writing every file of the output but before its rename: the output is still
        // <id>.tmp and the input was never touched.
        var output = Assert.Single(Directory.GetDirectories(TenantDir));
        Directory.Move(output, output + ".tmp");
        CopyDir(saved, input);

        await using var reopened = await Open();
        Assert.False(Directory.Exists(output + ".tmp"));
        Assert.Equal(input, Assert.Single(Directory.GetDirectories(TenantDir)));
        Assert.Equal(all, ReadAll(reopened));
        Assert.All(ChunksOnDisk(), c => Assert.False(c.Recompressed));
        // The next run does the work again.
        Assert.Equal(1, (await reopened.RecompressAsync(long.MaxValue)).BlocksRewritten);
        Assert.Equal(all, ReadAll(reopened));
    }

    [Fact]
    public async Task A_run_within_a_cpu_share_pauses_between_chunks_and_cancelling_ends_the_pause()
    {
        await using (var fast = await Open())
        {
            await PushMix(fast, 2000);
            await fast.FlushAsync(force: true);
        }
        // A share of 1% makes every chunk's pause 99 times its work: the run is cancelled during a pause, long before it
        // could reach the last chunk.
        await using var store = await LogStore.OpenAsync(new LogStoreOptions
        {
            Directory = _dir,
            BlockSize = 4096,
            ChunkTargetSize = 8192,
            BackgroundFlush = false,
            Recompression = new RecompressionSettings { CpuShare = 0.01 },
        }, NullLogger.Instance);
        var all = ReadAll(store);
        var total = ChunksOnDisk().Count;
        using var cts = new CancellationTokenSource();
        var chunks = 0;
        store.AfterChunkRecompressed = () =>
        {
            if (chunks++ == 0)
                cts.CancelAfter(200);
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.RecompressAsync(long.MaxValue, cts.Token));
        Assert.True(chunks >= 1 && chunks < total, $"{chunks} of {total} chunks recompressed before the cancel");
        Assert.Equal(all, ReadAll(store));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecompressionSettings { CpuShare = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecompressionSettings { CpuShare = 1.5 });
    }

    [Fact]
    public async Task A_cancelled_run_removes_its_unfinished_output_and_keeps_the_input()
    {
        await using var store = await Open();
        await PushMix(store, 3000);
        await store.FlushAsync(force: true);
        var input = Assert.Single(Directory.GetDirectories(TenantDir));
        var all = ReadAll(store);
        using var cts = new CancellationTokenSource();
        var recompressed = 0;
        store.AfterChunkRecompressed = () =>
        {
            if (++recompressed == 3)
                cts.Cancel();
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.RecompressAsync(long.MaxValue, cts.Token));

        Assert.Equal(input, Assert.Single(Directory.GetDirectories(TenantDir)));
        Assert.Equal(all, ReadAll(store));
        Assert.Equal(3, recompressed);
        // And the store is not left locked: the next run works.
        store.AfterChunkRecompressed = null;
        Assert.Equal(1, (await store.RecompressAsync(long.MaxValue)).BlocksRewritten);
    }

    private static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from))
            File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    private sealed class Contains(string needle) : ILineFilter
    {
        private readonly byte[] _needle = Encoding.UTF8.GetBytes(needle);
        public bool Matches(ReadOnlySpan<byte> line) => line.IndexOf(_needle) >= 0;
        public IReadOnlyList<byte[]> RequiredSubstrings => [_needle];
    }
}
