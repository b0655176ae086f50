using Sawmill.Core;
using Sawmill.LogQL.Engine;

namespace Sawmill.LogQL.Tests.Engine;

/// <summary>
/// Log queries read streams in parallel into a bounded top-`limit` set. Whatever the interleaving, the answer must be
/// the first `limit` matching entries in query direction (ties on the timestamp kept in stream order, then read order),
/// which a naive sort of every matching entry gives. Many ties and small limits make the order matter.
/// </summary>
public sealed class LogLimitTests
{
    private const string Tenant = "t";

    public static TheoryData<int> Seeds()
    {
        var d = new TheoryData<int>();
        for (var i = 1; i <= 40; i++)
            d.Add(i);
        return d;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Limited_answer_equals_sorting_everything(int seed)
    {
        var rnd = new Random(seed);
        var reader = new MemoryLogReader();
        var t0 = 1_700_000_000_000_000_000L;
        var streams = rnd.Next(1, 12);
        var all = new List<(long Ts, string Line, string Stream)>();
        for (var s = 0; s < streams; s++)
        {
            var labels = Labels.From([new Label("app", "a"), new Label("pod", "p" + s)]);
            var ts = t0 + rnd.Next(0, 50);
            for (var i = 0; i < rnd.Next(0, 200); i++)
            {
                ts += rnd.Next(0, 3); // many equal timestamps within and across streams
                var line = (rnd.Next(3) == 0 ? "hit " : "miss ") + i;
                reader.Add(Tenant, labels, ts, line);
                all.Add((ts, line, labels.ToString()));
            }
        }
        var forward = rnd.Next(2) == 0;
        var filter = rnd.Next(2) == 0;
        var limit = rnd.Next(1, 60);
        var engine = new LogQLEngine(reader);
        var result = (StreamsResult)await engine.ExecuteAsync(Tenant, new QueryParams
        {
            Query = filter ? "{app=\"a\"} |= \"hit\"" : "{app=\"a\"}",
            StartNs = t0,
            EndNs = t0 + 1_000_000,
            Limit = limit,
            Direction = forward ? Direction.Forward : Direction.Backward,
        }, QueryLimits.Default, CancellationToken.None);

        var got = result.Streams.SelectMany(s => s.Entries.Select(e => (e.TimestampNs, e.Line, s.Labels.ToString())))
            .OrderBy(x => x.Item3, StringComparer.Ordinal).ThenBy(x => x.TimestampNs).ThenBy(x => x.Line, StringComparer.Ordinal).ToList();
        // The reference: every matching entry; the limit cut at a timestamp keeps entries past ties only by stream order,
        // so compare the multiset of timestamps exactly and the entries away from the cut.
        var matching = all.Where(e => !filter || e.Line.StartsWith("hit", StringComparison.Ordinal)).ToList();
        var ordered = forward ? matching.OrderBy(e => e.Ts).ToList() : matching.OrderByDescending(e => e.Ts).ToList();
        var expectedTs = ordered.Take(limit).Select(e => e.Ts).Order().ToList();
        Assert.Equal(expectedTs, got.Select(g => g.TimestampNs).Order().ToList());
        if (ordered.Count > 0 && expectedTs.Count > 0)
        {
            var cut = ordered[Math.Min(limit, ordered.Count) - 1].Ts;
            var strict = ordered.Where(e => e.Ts != cut).Take(limit).Where(e => forward ? e.Ts < cut : e.Ts > cut)
                .Select(e => (e.Ts, e.Line, e.Stream)).OrderBy(x => x.Stream, StringComparer.Ordinal).ThenBy(x => x.Ts).ThenBy(x => x.Line, StringComparer.Ordinal).ToList();
            Assert.Equal(strict, got.Where(g => g.TimestampNs != cut).ToList());
        }

        // Deterministic: the same query again gives the same answer, whatever the thread interleaving.
        var again = (StreamsResult)await engine.ExecuteAsync(Tenant, new QueryParams
        {
            Query = filter ? "{app=\"a\"} |= \"hit\"" : "{app=\"a\"}",
            StartNs = t0,
            EndNs = t0 + 1_000_000,
            Limit = limit,
            Direction = forward ? Direction.Forward : Direction.Backward,
        }, QueryLimits.Default, CancellationToken.None);
        Assert.Equal(Render(result), Render(again));
    }

    private static string Render(StreamsResult r) =>
        string.Join("\n", r.Streams.Select(s => s.Labels + ": " + string.Join(",", s.Entries.Select(e => e.TimestampNs + "/" + e.Line))));
}
