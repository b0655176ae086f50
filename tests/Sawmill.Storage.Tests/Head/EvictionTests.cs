using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;

namespace Sawmill.Storage.Tests.Head;

/// <summary>Streams leave the head once their data is on disk and they are idle; nothing readable is lost.</summary>
public sealed class EvictionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sawmill-evict-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<LogStore> Open(TimeSpan idle) => LogStore.OpenAsync(new LogStoreOptions
    {
        Directory = _dir,
        BlockSize = 4096,
        ChunkTargetSize = 8192,
        ChunkIdlePeriod = idle,
        BackgroundFlush = false,
    }, NullLogger.Instance);

    private static PushStream Stream(string app, long ts, string line) =>
        new(Labels.From(("app", app)), [new PushEntry(ts, Encoding.UTF8.GetBytes(line))]);

    private static List<string> Lines(LogStore store, string app)
    {
        var result = new List<string>();
        foreach (var it in store.Select(new SelectRequest
        {
            Tenant = "t",
            Matchers = [LabelMatcher.Equal("app", app)],
            StartNs = 0,
            EndNs = long.MaxValue,
        }, default))
        {
            using (it)
                while (it.Next())
                    result.Add(Encoding.UTF8.GetString(it.Line));
        }
        return result;
    }

    [Fact]
    public async Task Idle_flushed_streams_leave_the_head_and_stay_readable_from_disk()
    {
        await using var store = await Open(TimeSpan.Zero);
        await store.PushAsync("t", [Stream("a", 1_000, "one"), Stream("b", 1_000, "two")], default);
        Assert.Equal(2, store.StreamCount("t"));

        await store.FlushAsync(force: false); // cuts the idle chunks and writes them to a block
        Assert.Equal(2, store.StreamCount("t"));
        await store.FlushAsync(force: false); // now everything is on disk: the streams leave the head
        Assert.Equal(0, store.StreamCount("t"));
        Assert.Equal(2, store.Metrics.StreamsEvicted);
        Assert.False(store.HasStream("t", Labels.From(("app", "a"))));
        Assert.Equal(["one"], Lines(store, "a"));

        // A new push recreates the stream; old and new data read back together.
        await store.PushAsync("t", [Stream("a", 2_000, "three")], default);
        Assert.True(store.HasStream("t", Labels.From(("app", "a"))));
        Assert.Equal(["one", "three"], Lines(store, "a"));
        Assert.Equal(["two"], Lines(store, "b"));
        Assert.Equal(["a", "b"], store.LabelValues("t", "app", 0, long.MaxValue, null, default));
    }

    [Fact]
    public async Task Streams_with_data_in_memory_or_recent_appends_stay()
    {
        await using var store = await Open(TimeSpan.FromHours(1));
        await store.PushAsync("t", [Stream("a", 1_000, "one")], default);
        await store.FlushAsync(force: true); // on disk, but appended to moments ago
        await store.FlushAsync(force: false);
        Assert.Equal(1, store.StreamCount("t"));
        Assert.Equal(0, store.Metrics.StreamsEvicted);
    }

    [Fact]
    public async Task Evicted_streams_are_not_lost_across_a_restart()
    {
        await using (var store = await Open(TimeSpan.Zero))
        {
            await store.PushAsync("t", [Stream("a", 1_000, "one")], default);
            await store.FlushAsync(force: false);
            await store.FlushAsync(force: false);
            Assert.Equal(0, store.StreamCount("t"));
            await store.PushAsync("t", [Stream("b", 1_000, "two")], default);
        }
        await using var reopened = await Open(TimeSpan.Zero);
        Assert.Equal(["one"], Lines(reopened, "a"));
        Assert.Equal(["two"], Lines(reopened, "b"));
    }
}
