using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;
using Sawmill.Storage;
using Sawmill.Storage.Wal;

namespace Sawmill.Storage.Tests;

public sealed class LogStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sawmill-store-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<LogStore> Open(TimeSpan? window = null) =>
        LogStore.OpenAsync(new LogStoreOptions { Directory = _dir, OutOfOrderWindow = window ?? TimeSpan.FromHours(1) }, NullLogger.Instance);

    private static PushStream Stream(Labels labels, params (long Ts, string Line)[] entries) =>
        new(labels, entries.Select(e => new PushEntry(e.Ts, Encoding.UTF8.GetBytes(e.Line))).ToList());

    private static List<(long, string)> ReadAll(LogStore store, string tenant, Labels labels, Direction direction = Direction.Forward, long start = 0, long end = long.MaxValue)
    {
        var matchers = labels.AsSpan().ToArray().Select(l => LabelMatcher.Equal(l.Name, l.Value)).ToList();
        var its = store.Select(new SelectRequest { Tenant = tenant, Matchers = matchers, StartNs = start, EndNs = end, Direction = direction }, default);
        var result = new List<(long, string)>();
        foreach (var it in its)
        {
            using (it)
                while (it.Next())
                    result.Add((it.TimestampNs, Encoding.UTF8.GetString(it.Line)));
        }
        return result;
    }

    private static readonly Labels Api = Labels.From(("app", "api"), ("level", "info"));

    [Fact]
    public async Task Pushed_entries_are_read_back_in_time_order_both_ways()
    {
        await using var store = await Open();
        await store.PushAsync("t", [Stream(Api, (3, "c"), (1, "a"), (2, "b"))], default);
        Assert.Equal([(1L, "a"), (2L, "b"), (3L, "c")], ReadAll(store, "t", Api));
        Assert.Equal([(3L, "c"), (2L, "b"), (1L, "a")], ReadAll(store, "t", Api, Direction.Backward));
    }

    [Fact]
    public async Task The_range_start_is_inclusive_and_the_end_exclusive()
    {
        await using var store = await Open();
        await store.PushAsync("t", [Stream(Api, (10, "a"), (20, "b"), (30, "c"))], default);
        Assert.Equal([(10L, "a"), (20L, "b")], ReadAll(store, "t", Api, start: 10, end: 30));
    }

    [Fact]
    public async Task Exact_duplicates_are_dropped_but_same_time_different_lines_are_kept()
    {
        await using var store = await Open();
        var r1 = await store.PushAsync("t", [Stream(Api, (5, "x"), (5, "y"))], default);
        var r2 = await store.PushAsync("t", [Stream(Api, (5, "x"))], default);
        Assert.Equal(2, r1.EntriesAppended);
        Assert.Equal(1, r2.DuplicatesDropped);
        Assert.Equal(2, ReadAll(store, "t", Api).Count);
    }

    [Fact]
    public async Task Entries_too_far_behind_the_stream_are_rejected_with_Lokis_reason()
    {
        await using var store = await Open(TimeSpan.FromSeconds(10));
        await store.PushAsync("t", [Stream(Api, (100 * TimeNs.PerSecond, "new"))], default);
        var r = await store.PushAsync("t", [Stream(Api, (95 * TimeNs.PerSecond, "ok"), (50 * TimeNs.PerSecond, "old"))], default);
        Assert.Equal(1, r.EntriesAppended);
        var rejected = Assert.Single(r.Rejected!);
        Assert.StartsWith("entry too far behind", rejected.Reason);
    }

    [Fact]
    public async Task Tenants_are_isolated()
    {
        await using var store = await Open();
        await store.PushAsync("a", [Stream(Api, (1, "for a"))], default);
        Assert.Empty(ReadAll(store, "b", Api));
        Assert.Empty(store.LabelNames("b", 0, long.MaxValue, null, default));
        Assert.Equal(["app", "level"], store.LabelNames("a", 0, long.MaxValue, null, default));
    }

    [Fact]
    public async Task Everything_acknowledged_survives_a_reopen()
    {
        await using (var store = await Open())
        {
            for (var i = 0; i < 100; i++)
                await store.PushAsync("t", [Stream(Api, (i, "line " + i))], default);
        }
        await using var reopened = await Open();
        Assert.Equal(100, ReadAll(reopened, "t", Api).Count);
        Assert.Equal(100, reopened.Metrics.Replayed);
    }

    [Fact]
    public async Task A_torn_wal_tail_is_truncated_and_the_rest_replayed()
    {
        await using (var store = await Open())
        {
            await store.PushAsync("t", [Stream(Api, (1, "kept"))], default);
            await store.PushAsync("t", [Stream(Api, (2, "torn"))], default);
        }
        var segment = Directory.GetFiles(Path.Combine(_dir, "wal"), "*.wal").OrderBy(p => p).Last();
        using (var fs = new FileStream(segment, FileMode.Open))
            fs.SetLength(fs.Length - 3);
        await using var reopened = await Open();
        Assert.Equal([(1L, "kept")], ReadAll(reopened, "t", Api));
    }

    [Fact]
    public async Task A_flipped_bit_fails_the_checksum_and_does_not_take_the_store_down()
    {
        await using (var store = await Open())
        {
            await store.PushAsync("t", [Stream(Api, (1, "first"))], default);
            await store.PushAsync("t", [Stream(Api, (2, "second"))], default);
        }
        var segment = Directory.GetFiles(Path.Combine(_dir, "wal"), "*.wal").OrderBy(p => p).Last();
        var bytes = File.ReadAllBytes(segment);
        bytes[^2] ^= 0x40;
        File.WriteAllBytes(segment, bytes);
        await using var reopened = await Open();
        Assert.Equal([(1L, "first")], ReadAll(reopened, "t", Api));
        await reopened.PushAsync("t", [Stream(Api, (3, "after"))], default);
        Assert.Equal(2, ReadAll(reopened, "t", Api).Count);
    }

    [Fact]
    public async Task Matchers_select_streams_through_the_index()
    {
        await using var store = await Open();
        var web = Labels.From(("app", "web"), ("level", "error"));
        await store.PushAsync("t", [Stream(Api, (1, "a")), Stream(web, (2, "w"))], default);
        var series = store.Series("t", [LabelMatcher.Create(MatchType.Regex, "app", "a.*|w.*"), LabelMatcher.Create(MatchType.NotEqual, "level", "info")], 0, long.MaxValue, default);
        Assert.Equal([web], series);
        Assert.Equal(["api", "web"], store.LabelValues("t", "app", 0, long.MaxValue, null, default));
        var stats = store.Stats("t", [LabelMatcher.Equal("app", "api")], 0, long.MaxValue, default);
        Assert.Equal(new IndexStats(1, 1, 1, 1), stats);
    }

    [Fact]
    public async Task The_line_filter_is_applied_while_reading()
    {
        await using var store = await Open();
        await store.PushAsync("t", [Stream(Api, (1, "GET /health"), (2, "POST /predict"))], default);
        var its = store.Select(new SelectRequest
        {
            Tenant = "t",
            Matchers = [LabelMatcher.Equal("app", "api")],
            StartNs = 0,
            EndNs = 10,
            LineFilter = new ContainsFilter("predict"),
        }, default);
        var it = Assert.Single(its);
        Assert.True(it.Next());
        Assert.Equal(2, it.TimestampNs);
        Assert.False(it.Next());
    }

    [Fact]
    public void Wal_records_round_trip_with_metadata_and_negative_timestamps()
    {
        var streams = new List<PushStream>
        {
            new(Api, [new PushEntry(-5, "é"u8.ToArray(), [new Label("trace_id", "abc")]), new PushEntry(long.MaxValue, Array.Empty<byte>())]),
        };
        var record = WalFormat.EncodePush("tenant-1", streams);
        var (tenant, decoded) = WalFormat.DecodePush(record.AsSpan(WalFormat.RecordHeaderSize));
        Assert.Equal("tenant-1", tenant);
        var s = Assert.Single(decoded);
        Assert.Equal(Api, s.Labels);
        Assert.Equal(-5, s.Entries[0].TimestampNs);
        Assert.Equal("é"u8.ToArray(), s.Entries[0].Line.ToArray());
        Assert.Equal([new Label("trace_id", "abc")], s.Entries[0].Metadata!);
        Assert.Equal(long.MaxValue, s.Entries[1].TimestampNs);
    }

    private sealed class ContainsFilter(string needle) : ILineFilter
    {
        private readonly byte[] _needle = Encoding.UTF8.GetBytes(needle);
        public bool Matches(ReadOnlySpan<byte> line) => line.IndexOf(_needle) >= 0;
        public IReadOnlyList<byte[]> RequiredSubstrings => [_needle];
    }
}
