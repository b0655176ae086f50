using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;

namespace Sawmill.Storage.Tests;

/// <summary>
/// Model-based test of the store: random sequences of pushes (out of order within the window, exact duplicates,
/// structured metadata), flushes, compactions, stream evictions and restarts, checked after every step against a
/// trivial model — a set of (timestamp, line) per stream. Reads are checked in both directions, over random time
/// ranges, with and without lines, so merging of head and disk sources, deduplication and range bounds are all covered.
/// </summary>
public sealed class ModelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sawmill-model-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<int> Seeds()
    {
        var d = new TheoryData<int>();
        for (var i = 1; i <= 25; i++)
            d.Add(i);
        return d;
    }

    private Task<LogStore> Open(int seed) => LogStore.OpenAsync(new LogStoreOptions
    {
        Directory = _dir,
        BlockSize = 256 + seed * 37 % 2048,
        ChunkTargetSize = 1024 + seed * 101 % 4096,
        ChunkIdlePeriod = seed % 3 == 0 ? TimeSpan.Zero : TimeSpan.FromHours(1),
        CompactionSmallBlockBytes = 1 << 20,
        BackgroundFlush = false,
    }, NullLogger.Instance);

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Store_reads_back_exactly_what_the_model_holds(int seed)
    {
        var rnd = new Random(seed);
        var labels = Enumerable.Range(0, 1 + rnd.Next(5)).Select(i => Labels.From(("app", "a" + i), ("env", i % 2 == 0 ? "prod" : "dev"))).ToArray();
        var model = labels.ToDictionary(l => l, _ => new SortedSet<(long Ts, string Line)>());
        var t0 = 1_700_000_000_000_000_000L;
        var store = await Open(seed);
        try
        {
            for (var step = 0; step < 40; step++)
            {
                switch (rnd.Next(10))
                {
                    case < 6:
                    {
                        var streams = new List<PushStream>();
                        foreach (var l in labels.Where(_ => rnd.Next(2) == 0))
                        {
                            var entries = new List<PushEntry>();
                            for (var i = rnd.Next(1, 60); i > 0; i--)
                            {
                                (long Ts, string Line) e;
                                if (model[l].Count > 0 && rnd.Next(8) == 0)
                                    e = model[l].ElementAt(rnd.Next(model[l].Count)); // an exact duplicate
                                else
                                    e = (t0 + rnd.NextInt64(0, 600) * 1_000_000_000 + rnd.Next(3), $"{l.Get("app")} line {rnd.Next(1000)} " + new string('x', rnd.Next(0, 200)));
                                entries.Add(new PushEntry(e.Ts, Encoding.UTF8.GetBytes(e.Line), rnd.Next(5) == 0 ? [new Label("trace_id", "t" + rnd.Next(9))] : null));
                                model[l].Add(e);
                            }
                            streams.Add(new PushStream(l, entries));
                        }
                        var result = await store.PushAsync("t", streams, default);
                        Assert.Null(result.Rejected);
                        break;
                    }
                    case 6:
                        await store.FlushAsync(force: rnd.Next(2) == 0);
                        break;
                    case 7:
                        await store.CompactAsync(null);
                        break;
                    case 8:
                        await store.DisposeAsync();
                        store = await Open(seed);
                        break;
                    default:
                        await store.FlushAsync(force: false); // evicts idle flushed streams when the idle period is zero
                        break;
                }
                Check(store, model, rnd);
            }
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    private static void Check(LogStore store, Dictionary<Labels, SortedSet<(long Ts, string Line)>> model, Random rnd)
    {
        var t0 = 1_700_000_000_000_000_000L;
        var start = rnd.Next(3) == 0 ? t0 + rnd.NextInt64(0, 600) * 1_000_000_000 : 0;
        var end = rnd.Next(3) == 0 ? start + rnd.NextInt64(1, 300) * 1_000_000_000 : long.MaxValue;
        var direction = rnd.Next(2) == 0 ? Direction.Forward : Direction.Backward;
        var lines = rnd.Next(4) != 0;
        var got = new Dictionary<Labels, List<(long Ts, string Line)>>();
        foreach (var it in store.Select(new SelectRequest
        {
            Tenant = "t",
            Matchers = [LabelMatcher.Create(MatchType.Regex, "app", ".+")],
            StartNs = start,
            EndNs = end,
            Direction = direction,
            Fields = lines ? EntryFields.All : EntryFields.Timestamps,
        }, default))
        {
            using (it)
            {
                var list = got.TryGetValue(it.Labels, out var l) ? l : got[it.Labels] = [];
                var prev = direction == Direction.Forward ? long.MinValue : long.MaxValue;
                while (it.Next())
                {
                    Assert.True(direction == Direction.Forward ? it.TimestampNs >= prev : it.TimestampNs <= prev, "entries out of order");
                    prev = it.TimestampNs;
                    list.Add((it.TimestampNs, lines ? Encoding.UTF8.GetString(it.Line) : ""));
                }
            }
        }
        foreach (var (labels, set) in model)
        {
            var expected = set.Where(e => e.Ts >= start && e.Ts < end).Select(e => (e.Ts, lines ? e.Line : "")).ToList();
            var actual = got.TryGetValue(labels, out var a) ? a : [];
            if (lines)
            {
                Assert.Equal(expected.OrderBy(e => e.Ts).ThenBy(e => e.Item2, StringComparer.Ordinal), actual.OrderBy(e => e.Ts).ThenBy(e => e.Line, StringComparer.Ordinal));
            }
            else
            {
                // Without lines the store cannot tell duplicates apart: the timestamps are a superset with the same distinct values.
                Assert.Equal(expected.Select(e => e.Ts).Distinct().Order(), actual.Select(e => e.Ts).Distinct().Order());
            }
        }
        foreach (var labels in got.Keys)
            Assert.True(model.ContainsKey(labels), $"unexpected stream {labels}");
    }
}
