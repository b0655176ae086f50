using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;
using Sawmill.Storage.Bucket;
using Sawmill.Storage.Compaction;
using Sawmill.Storage.Query;
using Sawmill.Testing;

namespace Sawmill.Storage.Tests.Bucket;

public sealed class BucketCompactorTests : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sawmill-bcompact-").FullName;

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }

    private async Task<Dictionary<Labels, List<(long Ts, string Line)>>> ReplicatedAsync(IBucket bucket, int replicas, int entries, int seed)
    {
        var labels = LogGenerator.StreamLabels(5);
        var gen = new LogGenerator(seed);
        var expected = labels.ToDictionary(l => l, _ => new List<(long, string)>());
        var batches = new List<List<PushStream>>();
        for (var b = 0; b < entries / 100; b++)
        {
            var streams = labels.Select(l => new PushStream(l, [])).ToList();
            for (var i = 0; i < 100; i++)
            {
                var s = streams[i % streams.Count];
                var ts = gen.NextTimestamp();
                var line = gen.NextLineText();
                s.Entries.Add(new PushEntry(ts, Encoding.UTF8.GetBytes(line)));
                expected[s.Labels].Add((ts, line));
            }
            batches.Add(streams);
        }
        for (var r = 0; r < replicas; r++)
        {
            await using var store = await LogStore.OpenAsync(new LogStoreOptions
            {
                Directory = Path.Combine(_dir, $"ingester-{seed}-{r}"),
                BlockSize = 4096,
                ChunkTargetSize = 8192 * (r + 1),
                BackgroundFlush = false,
                Bucket = bucket,
                Origin = $"ingester-{r}",
            }, NullLogger.Instance);
            // Each replica flushes at its own moments, so its chunks and blocks are cut differently.
            for (var i = 0; i < batches.Count; i++)
            {
                await store.PushAsync("t", batches[i], default);
                if (i % (r + 2) == 0)
                    await store.FlushAndShipAsync(default);
            }
            await store.FlushAndShipAsync(default);
        }
        return expected;
    }

    private static Dictionary<Labels, List<long>> Timestamps(BucketBlockSet set)
    {
        var selection = new Selection(new SelectRequest
        {
            Tenant = "t",
            Matchers = [LabelMatcher.Create(MatchType.NotEqual, "app", "")],
            StartNs = 0,
            EndNs = long.MaxValue,
            Fields = EntryFields.Timestamps,
        });
        selection.AddBucket(set, default);
        var result = new Dictionary<Labels, List<long>>();
        foreach (var it in selection.Iterators())
            using (it)
            {
                var list = new List<long>();
                while (it.Next())
                    list.Add(it.TimestampNs);
                result[it.Labels] = list;
            }
        return result;
    }

    private sealed class CutoffPolicy(long cutoff) : IRetentionPolicy
    {
        public long Cutoff(string tenant, Labels stream) => cutoff;
        public bool MayDelete(string tenant, Labels stream, long minT, long maxT) => false;
        public bool IsDeleted(string tenant, Labels stream, long timestampNs, ReadOnlySpan<byte> line) => false;
    }

    [Fact]
    public async Task Replicas_are_merged_into_one_block_holding_each_entry_once_and_replaced_blocks_go_after_the_delay()
    {
        using var bucket = new FileSystemBucket(Path.Combine(_dir, "bucket"));
        var expected = await ReplicatedAsync(bucket, replicas: 3, entries: 3000, seed: 1);
        var cache = new SegmentCache(Path.Combine(_dir, "cache"), 1 << 30, 64 * 1024, NullLogger.Instance);
        using var view = new BucketBlockSet(bucket, cache, NullLogger.Instance);
        await view.SyncAsync(default);
        var uploaded = view.Describe("t");
        Assert.True(uploaded.Count >= 6, $"{uploaded.Count} blocks uploaded");
        long Stored() => Directory.EnumerateFiles(Path.Combine(_dir, "bucket"), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        var before = Stored();

        var compactor = new BucketCompactor(view, new BucketCompactorOptions { WorkingDirectory = Path.Combine(_dir, "work"), DeleteDelay = TimeSpan.FromHours(1) }, NullLogger.Instance);
        var result = await compactor.RunAsync(null, long.MinValue, () => true, default);
        Assert.Equal(uploaded.Count, result.BlocksIn);
        Assert.Equal(1, result.BlocksOut);
        Assert.Equal(6000, result.DuplicatesMerged);
        // The readers' view switched to the one compacted block at once; the inputs stay until the delay has passed.
        var after = view.Describe("t");
        Assert.Null(Assert.Single(after).Origin);
        Assert.Equal(uploaded.Select(b => b.Id).Order(), after[0].Sources.Order());
        foreach (var (labels, entries) in expected)
            Assert.Equal(entries.Select(e => e.Ts).Order(), Timestamps(view)[labels]);
        Assert.Equal(0, result.BlocksDeleted);

        var later = new BucketCompactor(view, new BucketCompactorOptions { WorkingDirectory = Path.Combine(_dir, "work"), DeleteDelay = TimeSpan.Zero }, NullLogger.Instance);
        var second = await later.RunAsync(null, long.MinValue, () => true, default);
        Assert.Equal(0, second.BlocksIn);
        Assert.Equal(uploaded.Count, second.BlocksDeleted);
        Assert.True(Stored() * 2 < before, $"bucket {before} -> {Stored()} bytes");
        // A fresh reader of the bucket sees the same.
        using var fresh = new BucketBlockSet(bucket, new SegmentCache(Path.Combine(_dir, "cache2"), 1 << 30, 64 * 1024, NullLogger.Instance), NullLogger.Instance);
        await fresh.SyncAsync(default);
        foreach (var (labels, entries) in expected)
            Assert.Equal(entries.Select(e => e.Ts).Order(), Timestamps(fresh)[labels]);
    }

    [Fact]
    public async Task Retention_removes_old_entries_and_a_lost_lease_publishes_nothing()
    {
        using var bucket = new FileSystemBucket(Path.Combine(_dir, "bucket"));
        var expected = await ReplicatedAsync(bucket, replicas: 2, entries: 2000, seed: 2);
        var all = expected.Values.SelectMany(e => e).Select(e => e.Ts).Order().ToList();
        var cutoff = all[all.Count / 2];
        using var view = new BucketBlockSet(bucket, new SegmentCache(Path.Combine(_dir, "cache"), 1 << 30, 64 * 1024, NullLogger.Instance), NullLogger.Instance);
        await view.SyncAsync(default);
        var blocks = view.Describe("t").Count;

        var options = new BucketCompactorOptions { WorkingDirectory = Path.Combine(_dir, "work") };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new BucketCompactor(view, options, NullLogger.Instance).RunAsync(new CutoffPolicy(cutoff), long.MinValue, () => false, default));
        await view.SyncAsync(default);
        Assert.Equal(blocks, view.Describe("t").Count);

        var result = await new BucketCompactor(view, options, NullLogger.Instance).RunAsync(new CutoffPolicy(cutoff), long.MinValue, () => true, default);
        Assert.Equal(1000, result.EntriesRemoved);
        var left = Timestamps(view).Values.SelectMany(t => t).Order().ToList();
        Assert.Equal(all.Where(t => t >= cutoff), left);
    }

    [Fact]
    public async Task Cold_chunks_are_recompressed_once_and_read_the_same()
    {
        using var bucket = new FileSystemBucket(Path.Combine(_dir, "bucket"));
        var expected = await ReplicatedAsync(bucket, replicas: 2, entries: 2000, seed: 3);
        using var view = new BucketBlockSet(bucket, new SegmentCache(Path.Combine(_dir, "cache"), 1 << 30, 64 * 1024, NullLogger.Instance), NullLogger.Instance);
        var options = new BucketCompactorOptions { WorkingDirectory = Path.Combine(_dir, "work"), Recompression = new RecompressionSettings { ZstdLevel = 3, CpuShare = 1 } };
        var merged = await new BucketCompactor(view, options, NullLogger.Instance).RunAsync(null, long.MinValue, () => true, default);
        Assert.Equal(0, merged.ChunksRecompressed);
        Assert.False(Assert.Single(view.Blocks("t")).Meta.Recompressed);

        var cold = await new BucketCompactor(view, options, NullLogger.Instance).RunAsync(null, long.MaxValue, () => true, default);
        Assert.True(cold.ChunksRecompressed > 0);
        Assert.True(Assert.Single(view.Blocks("t")).Meta.Recompressed);
        foreach (var (labels, entries) in expected)
            Assert.Equal(entries.Select(e => e.Ts).Order(), Timestamps(view)[labels]);
        var again = await new BucketCompactor(view, options, NullLogger.Instance).RunAsync(null, long.MaxValue, () => true, default);
        Assert.Equal((0, 0), (again.BlocksIn, again.ChunksRecompressed));
    }

    [Fact]
    public async Task Objects_of_an_upload_that_never_got_its_meta_are_removed_after_an_hour()
    {
        var root = Path.Combine(_dir, "bucket");
        using var bucket = new FileSystemBucket(root);
        await ReplicatedAsync(bucket, replicas: 1, entries: 500, seed: 4);
        await bucket.PutAsync(BucketLayout.BlockKey("t", "old-orphan", BucketLayout.Chunks), new byte[100], default);
        await bucket.PutAsync(BucketLayout.BlockKey("t", "old-orphan", BucketLayout.Index), new byte[10], default);
        await bucket.PutAsync(BucketLayout.BlockKey("t", "new-orphan", BucketLayout.Chunks), new byte[100], default);
        foreach (var f in Directory.GetFiles(Path.Combine(root, "blocks", "t", "old-orphan")))
            File.SetLastWriteTimeUtc(f, DateTime.UtcNow.AddHours(-2));
        using var view = new BucketBlockSet(bucket, new SegmentCache(Path.Combine(_dir, "cache"), 1 << 30, 64 * 1024, NullLogger.Instance), NullLogger.Instance);
        await view.SyncAsync(default);
        Assert.DoesNotContain(view.Describe("t"), b => b.Id.EndsWith("orphan", StringComparison.Ordinal));
        await new BucketCompactor(view, new BucketCompactorOptions { WorkingDirectory = Path.Combine(_dir, "work") }, NullLogger.Instance).RunAsync(null, long.MinValue, () => true, default);
        Assert.False(Directory.Exists(Path.Combine(root, "blocks", "t", "old-orphan")));
        Assert.True(File.Exists(Path.Combine(root, "blocks", "t", "new-orphan", "chunks")));
    }
}
