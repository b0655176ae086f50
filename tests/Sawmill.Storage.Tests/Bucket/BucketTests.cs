using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;
using Sawmill.Storage.Bucket;
using Sawmill.Storage.Query;
using Sawmill.Testing;

namespace Sawmill.Storage.Tests.Bucket;

/// <summary>The bucket contract on both implementations: the filesystem and a real S3-compatible server (npm's s3rver).</summary>
public sealed class BucketTests : IAsyncLifetime
{
    private S3rverProcess _s3 = null!;
    private readonly string _dir = Directory.CreateTempSubdirectory("sawmill-bucket-").FullName;

    public async Task InitializeAsync() => _s3 = await S3rverProcess.StartAsync();

    public async Task DisposeAsync()
    {
        await _s3.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private IBucket Make(string kind, bool chunkEncoding = false) => kind switch
    {
        "fs" => new FileSystemBucket(Path.Combine(_dir, "bucket")),
        _ => new S3Bucket(new S3Options
        {
            Endpoint = _s3.Endpoint,
            BucketName = _s3.Bucket,
            AccessKeyId = S3rverProcess.AccessKey,
            SecretAccessKey = S3rverProcess.SecretKey,
            Insecure = true,
            ForcePathStyle = true,
            UseChunkEncoding = chunkEncoding,
        }),
    };

    [Theory]
    [InlineData("fs")]
    [InlineData("s3")]
    public async Task Objects_are_written_whole_read_by_range_listed_in_order_and_deleted(string kind)
    {
        using var bucket = Make(kind);
        var data = new byte[300_000];
        new Random(7).NextBytes(data);
        await bucket.PutAsync("blocks/t/b2/chunks", data, default);
        await bucket.PutAsync("blocks/t/b1/meta.json", "{}"u8.ToArray(), default);
        var file = Path.Combine(_dir, "upload");
        await File.WriteAllBytesAsync(file, data[..1000]);
        await bucket.PutFileAsync("blocks/t/b1/chunks", file, default);

        Assert.Equal(data, await bucket.GetAsync("blocks/t/b2/chunks", default));
        Assert.Null(await bucket.GetAsync("blocks/t/none", default));
        var range = new byte[500];
        Assert.True(await bucket.GetRangeAsync("blocks/t/b2/chunks", 123_456, range, default));
        Assert.Equal(data.AsSpan(123_456, 500).ToArray(), range);
        Assert.False(await bucket.GetRangeAsync("blocks/t/none", 0, range, default));
        await Assert.ThrowsAnyAsync<Exception>(() => bucket.GetRangeAsync("blocks/t/b1/chunks", 900, range, default));

        var listed = new List<BucketObject>();
        await foreach (var o in bucket.ListAsync("blocks/t/", default))
            listed.Add(o);
        Assert.Equal(["blocks/t/b1/chunks", "blocks/t/b1/meta.json", "blocks/t/b2/chunks"], listed.Select(o => o.Key));
        Assert.Equal([1000L, 2L, 300_000L], listed.Select(o => o.Size));

        await bucket.DeleteAsync("blocks/t/b2/chunks", default);
        await bucket.DeleteAsync("blocks/t/b2/chunks", default);
        Assert.Null(await bucket.GetAsync("blocks/t/b2/chunks", default));
        var after = new List<string>();
        await foreach (var o in bucket.ListAsync("blocks/", default))
            after.Add(o.Key);
        Assert.Equal(["blocks/t/b1/chunks", "blocks/t/b1/meta.json"], after);
    }

    [Fact]
    public async Task Chunk_encoded_uploads_to_a_server_that_stores_them_verbatim_fail_loudly()
    {
        // s3rver keeps the aws-chunked framing in the object; the size check after the upload reports it and names the option.
        using var bucket = Make("s3", chunkEncoding: true);
        var e = await Assert.ThrowsAsync<BucketException>(() => bucket.PutAsync("k", new byte[10_000], default));
        Assert.Contains("use_chunk_encoding: false", e.Message, StringComparison.Ordinal);
        // The same bytes without chunk encoding read back exactly.
        using var plain = Make("s3", chunkEncoding: false);
        await plain.PutAsync("k", Enumerable.Range(0, 10_000).Select(i => (byte)i).ToArray(), default);
        Assert.Equal(Enumerable.Range(0, 10_000).Select(i => (byte)i).ToArray(), await plain.GetAsync("k", default));
    }

    private static async Task<Dictionary<Labels, List<(long, string)>>> Push(LogStore store, string tenant, int n, int seed)
    {
        var gen = new LogGenerator(seed);
        var labels = LogGenerator.StreamLabels(4);
        var expected = labels.ToDictionary(l => l, _ => new List<(long, string)>());
        for (var batch = 0; batch < n / 50; batch++)
        {
            var streams = labels.Select(l => new PushStream(l, [])).ToList();
            for (var i = 0; i < 50; i++)
            {
                var s = streams[i % streams.Count];
                var ts = gen.NextTimestamp();
                var line = gen.NextLineText();
                s.Entries.Add(new PushEntry(ts, Encoding.UTF8.GetBytes(line)));
                expected[s.Labels].Add((ts, line));
            }
            await store.PushAsync(tenant, streams, default);
        }
        return expected;
    }

    private static SelectRequest All(string tenant, Direction direction = Direction.Forward) => new()
    {
        Tenant = tenant,
        Matchers = [LabelMatcher.Create(MatchType.NotEqual, "app", "")],
        StartNs = 0,
        EndNs = long.MaxValue,
        Direction = direction,
    };

    private static Dictionary<Labels, List<(long, string)>> Drain(IReadOnlyList<IEntryIterator> iterators)
    {
        var result = new Dictionary<Labels, List<(long, string)>>();
        foreach (var it in iterators)
            using (it)
            {
                var list = new List<(long, string)>();
                while (it.Next())
                    list.Add((it.TimestampNs, Encoding.UTF8.GetString(it.Line)));
                result[it.Labels] = list;
            }
        return result;
    }

    private static void AssertSame(Dictionary<Labels, List<(long, string)>> expected, Dictionary<Labels, List<(long, string)>> actual)
    {
        Assert.Equal(expected.Keys.OrderBy(k => k.ToString()), actual.Keys.OrderBy(k => k.ToString()));
        foreach (var (labels, entries) in expected)
            Assert.Equal(entries.OrderBy(e => e.Item1).ThenBy(e => e.Item2, StringComparer.Ordinal), actual[labels].OrderBy(e => e.Item1).ThenBy(e => e.Item2, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("fs")]
    [InlineData("s3")]
    public async Task A_write_node_ships_its_blocks_and_an_empty_read_node_reads_them_all(string kind)
    {
        using var bucket = Make(kind);
        Dictionary<Labels, List<(long, string)>> expected;
        await using (var store = await LogStore.OpenAsync(new LogStoreOptions
        {
            Directory = Path.Combine(_dir, "ingester"),
            BlockSize = 4096,
            ChunkTargetSize = 16384,
            BackgroundFlush = false,
            Bucket = bucket,
            Origin = "ingester-1",
            RetainAfterUpload = TimeSpan.Zero,
        }, NullLogger.Instance))
        {
            expected = await Push(store, "t1", 3000, 1);
            await Push(store, "t2", 500, 2);
            await store.FlushAndShipAsync(default);
            Assert.True(store.Metrics.BlocksUploaded >= 2);
            Assert.True(store.Metrics.BytesUploaded > 0);
            // Uploaded blocks leave the local disk once their retain period (zero here) is over.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (store.Metrics.BlocksDropped < store.Metrics.BlocksUploaded && DateTime.UtcNow < deadline)
                await Task.Delay(50);
            Assert.Equal(store.Metrics.BlocksUploaded, store.Metrics.BlocksDropped);
            Assert.Empty(Directory.GetDirectories(Path.Combine(_dir, "ingester", "blocks", "t1")));
        }

        var cache = new SegmentCache(Path.Combine(_dir, "reader-cache"), 1 << 30, 64 * 1024, NullLogger.Instance);
        using var set = new BucketBlockSet(bucket, cache, NullLogger.Instance);
        await set.SyncAsync(default);
        Assert.Equal(["t1", "t2"], set.Tenants());
        foreach (var direction in new[] { Direction.Forward, Direction.Backward })
        {
            var selection = new Selection(All("t1", direction));
            selection.AddBucket(set, default);
            AssertSame(expected, Drain(selection.Iterators()));
        }
        Assert.Equal(3000, set.Summaries("t1", null, 0, long.MaxValue, default).Values.Sum(s => s.Entries));
        Assert.True(cache.Fetches > 0);
        Assert.True(cache.Bytes > 0);
    }

    /// <summary>An ingester (origin <paramref name="origin"/>) receives <paramref name="n"/> entries of one tenant and ships them to the bucket.</summary>
    private async Task<Dictionary<Labels, List<(long, string)>>> ShipAsync(IBucket bucket, string origin, string tenant, int n, long chunkTargetSize)
    {
        await using var store = await LogStore.OpenAsync(new LogStoreOptions
        {
            Directory = Path.Combine(_dir, origin),
            BlockSize = 4096,
            ChunkTargetSize = chunkTargetSize,
            BackgroundFlush = false,
            Bucket = bucket,
            Origin = origin,
        }, NullLogger.Instance);
        var expected = await Push(store, tenant, n, 5);
        await store.FlushAndShipAsync(default);
        return expected;
    }

    [Fact]
    public async Task A_block_whose_meta_reads_back_unfinished_is_skipped_and_read_at_the_next_sync()
    {
        // A store without atomic writes (s3rver) can list a meta.json while its PUT is still going and serve it empty.
        using var bucket = Make("fs");
        var expected = await ShipAsync(bucket, "ingester", "t1", 500, 16384);
        var metaKey = await bucket.ListAsync(BucketLayout.BlocksPrefix + "t1/", default).Select(o => o.Key).SingleAsync(k => k.EndsWith("/" + BucketLayout.Meta, StringComparison.Ordinal));
        var meta = (await bucket.GetAsync(metaKey, default))!;
        await bucket.PutAsync(metaKey, Array.Empty<byte>(), default);

        var cache = new SegmentCache(Path.Combine(_dir, "reader-cache"), 1 << 30, 64 * 1024, NullLogger.Instance);
        using var set = new BucketBlockSet(bucket, cache, NullLogger.Instance);
        await set.SyncAsync(default);
        Assert.Empty(set.Tenants());
        Assert.Equal(["t1"], set.IncompleteTenants);

        // The upload completes: the next sync fetches the meta again instead of keeping the unfinished copy it saw.
        await bucket.PutAsync(metaKey, meta, default);
        await set.SyncAsync(default);
        Assert.Empty(set.IncompleteTenants);
        var selection = new Selection(All("t1", Direction.Forward));
        selection.AddBucket(set, default);
        AssertSame(expected, Drain(selection.Iterators()));
    }

    [Fact]
    public async Task Replicas_exported_by_ingesters_merge_with_bucket_blocks_into_each_entry_once()
    {
        using var bucket = Make("fs");
        var options = new LogStoreOptions
        {
            Directory = Path.Combine(_dir, "a"),
            BlockSize = 4096,
            ChunkTargetSize = 16384,
            BackgroundFlush = false,
            Bucket = bucket,
            Origin = "a",
            RetainAfterUpload = TimeSpan.FromHours(1),
        };
        await using var a = await LogStore.OpenAsync(options, NullLogger.Instance);
        await using var b = await LogStore.OpenAsync(options with { Directory = Path.Combine(_dir, "b"), Origin = "b" }, NullLogger.Instance);
        // Both replicas receive the same pushes; a flushes (and ships) half way, b never does: the read sees a's
        // uploaded blocks in the bucket, a's retained blocks and head, and b's head, and must return each entry once.
        var first = await Push(a, "t", 1000, 3);
        await Push(b, "t", 1000, 3);
        await a.FlushAndShipAsync(default);
        var second = await Push(a, "t", 1000, 4);
        await Push(b, "t", 1000, 4);
        var expected = first.ToDictionary(kv => kv.Key, kv => kv.Value.Concat(second[kv.Key]).ToList());

        var cache = new SegmentCache(Path.Combine(_dir, "cache"), 1 << 30, 4096, NullLogger.Instance);
        using var set = new BucketBlockSet(bucket, cache, NullLogger.Instance);
        await set.SyncAsync(default);
        foreach (var fields in new[] { EntryFields.All, EntryFields.Timestamps })
        {
            var request = All("t");
            request = new SelectRequest { Tenant = "t", Matchers = request.Matchers, StartNs = 0, EndNs = long.MaxValue, Fields = fields };
            var selection = new Selection(request);
            selection.AddBucket(set, default);
            foreach (var store in new[] { a, b })
            {
                using var ms = new MemoryStream();
                await store.ExportSelectAsync(new SelectRequest { Tenant = "t", Matchers = request.Matchers, StartNs = 0, EndNs = long.MaxValue, Fields = selection.RemoteFields }, ms, default);
                selection.AddRemote(ms.ToArray(), store == a ? "a" : "b");
            }
            var actual = new Dictionary<Labels, List<long>>();
            foreach (var it in selection.Iterators())
                using (it)
                {
                    var list = new List<long>();
                    while (it.Next())
                        list.Add(it.TimestampNs);
                    actual[it.Labels] = list;
                }
            foreach (var (labels, entries) in expected)
                Assert.Equal(entries.Select(e => e.Item1).Order(), actual[labels]);
        }
    }

    [Fact]
    public async Task The_segment_cache_stays_within_its_budget_and_reads_stay_correct()
    {
        using var bucket = Make("fs");
        var expected = await ShipAsync(bucket, "w", "t", 5000, 8192);
        var cache = new SegmentCache(Path.Combine(_dir, "small-cache"), 64 * 1024, 16 * 1024, NullLogger.Instance);
        using var set = new BucketBlockSet(bucket, cache, NullLogger.Instance);
        await set.SyncAsync(default);
        for (var round = 0; round < 2; round++)
        {
            var selection = new Selection(All("t"));
            selection.AddBucket(set, default);
            AssertSame(expected, Drain(selection.Iterators()));
            Assert.True(cache.Bytes <= cache.MaxBytes, $"{cache.Bytes} cached > {cache.MaxBytes}");
        }
    }
}
