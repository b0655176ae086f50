using Sawmill.Core;
using Sawmill.LogQL.Engine;

namespace Sawmill.LogQL.Tests.Engine;

/// <summary>
/// The step counters (count/rate/bytes, with or without a pipeline) must give exactly what the general sample path
/// gives; the engine takes the general path when the series limit is off, which makes it the reference here. Compared
/// over random streams, ranges, steps, offsets, groupings and instant queries.
/// </summary>
public sealed class StepCounterTests
{
    private const string Tenant = "t";
    private const long Second = 1_000_000_000;

    public static TheoryData<int> Seeds()
    {
        var d = new TheoryData<int>();
        for (var i = 1; i <= 60; i++)
            d.Add(i);
        return d;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Fast_path_equals_general_path(int seed)
    {
        var rnd = new Random(seed);
        var reader = new MemoryLogReader();
        var t0 = 1_700_000_000L * Second;
        var streams = rnd.Next(1, 6);
        for (var s = 0; s < streams; s++)
        {
            var labels = Labels.From([new Label("app", "a"), new Label("level", rnd.Next(2) == 0 ? "info" : "error"), new Label("pod", "p" + s)]);
            var n = rnd.Next(0, 300);
            var ts = t0 + rnd.NextInt64(0, 30 * Second);
            for (var i = 0; i < n; i++)
            {
                // Clustered and sparse gaps, and exact duplicates of step boundaries now and then.
                ts += rnd.Next(4) switch { 0 => 0, 1 => rnd.NextInt64(1, Second), 2 => rnd.NextInt64(Second, 20 * Second), _ => 10 * Second };
                reader.Add(Tenant, labels, ts, new string('x', rnd.Next(0, 40)));
            }
        }
        var op = new[] { "count_over_time", "rate", "bytes_over_time", "bytes_rate" }[rnd.Next(4)];
        var range = new[] { "1s", "10s", "30s", "1m", "95s", "5m" }[rnd.Next(6)];
        var offset = rnd.Next(3) == 0 ? " offset " + new[] { "10s", "1m", "7s" }[rnd.Next(3)] : "";
        var outer = rnd.Next(3) switch { 0 => ("sum by (level) (", ")"), 1 => ("sum(", ")"), _ => ("", "") };
        var instant = rnd.Next(4) == 0;
        var step = new[] { 1L, 5, 10, 15, 60 }[rnd.Next(5)] * Second;
        var start = t0 - rnd.NextInt64(0, 120 * Second);
        var end = start + rnd.NextInt64(0, 3600 * Second);
        var fast = $"{outer.Item1}{op}({{app=\"a\"}}[{range}]{offset}){outer.Item2}";
        var slow = $"{outer.Item1}{op}({{app=\"a\"}} | __error__=\"\" [{range}]{offset}){outer.Item2}";
        var engine = new LogQLEngine(reader);
        var p = new QueryParams { Query = fast, StartNs = instant ? end : start, EndNs = end, StepNs = instant ? 0 : step, Instant = instant };
        // Without a series limit the engine collects samples and slides windows (the general path): the reference.
        var general = QueryLimits.Default with { MaxQuerySeries = 0 };
        var reference = Render(await engine.ExecuteAsync(Tenant, p with { Query = slow }, general, CancellationToken.None));
        var counted = Render(await engine.ExecuteAsync(Tenant, p, QueryLimits.Default, CancellationToken.None));
        var countedWithPipeline = Render(await engine.ExecuteAsync(Tenant, p with { Query = slow }, QueryLimits.Default, CancellationToken.None));
        Assert.Equal(reference, counted);
        Assert.Equal(reference, countedWithPipeline);
    }

    private static string Render(QueryResult r) => r switch
    {
        MatrixResult m => string.Join("\n", m.Series.OrderBy(s => s.Labels.ToString(), StringComparer.Ordinal)
            .Select(s => s.Labels + " " + string.Join(",", s.Points.Select(p => $"{p.TimestampMs}={p.Value:R}")))),
        VectorResult v => string.Join("\n", v.Samples.OrderBy(s => s.Labels.ToString(), StringComparer.Ordinal)
            .Select(s => $"{s.Labels} {s.TimestampMs}={s.Value:R}")),
        _ => r.ResultType,
    };
}
