using Sawmill.Core;
using Sawmill.LogQL.Engine;

namespace Sawmill.LogQL.Tests.Engine;

/// <summary>
/// The series limit on the sample path (unwrapped range aggregations, whose series are windowed in parallel): a
/// series counts once it has a point at some step, the query fails past the limit with Loki's message, and results
/// within the limit are the same whatever the parallelism.
/// </summary>
public sealed class WindowedSeriesLimitTests
{
    private const long Second = 1_000_000_000;
    private const long T0 = 1_700_000_000L * Second;

    private static MemoryLogReader Reader(int pods)
    {
        var reader = new MemoryLogReader();
        for (var p = 0; p < pods; p++)
        {
            var labels = Labels.From(("app", "a"), ("pod", "p" + p));
            for (var i = 0; i < 20; i++)
                reader.Add("t", labels, T0 + i * 3 * Second, $"{{\"latency_ms\":{p * 100 + i}.5}}");
        }
        return reader;
    }

    private static QueryParams Range(string q) => new() { Query = q, StartNs = T0, EndNs = T0 + 60 * Second, StepNs = 10 * Second };

    private const string Query = "quantile_over_time(0.9, {app=\"a\"} | json | unwrap latency_ms [30s]) by (pod)";

    [Fact]
    public async Task More_series_than_the_limit_fail_with_Lokis_message()
    {
        var engine = new LogQLEngine(Reader(12));
        var limits = QueryLimits.Default with { MaxQuerySeries = 10 };
        var e = await Assert.ThrowsAsync<QueryLimitException>(() => engine.ExecuteAsync("t", Range(Query), limits, CancellationToken.None));
        Assert.Equal("maximum of series (10) reached for a single query", e.Message);
    }

    [Fact]
    public async Task Series_within_the_limit_are_the_same_with_one_worker_or_two()
    {
        var engine = new LogQLEngine(Reader(10));
        var two = QueryLimits.Default with { MaxQuerySeries = 10, MaxQueryParallelism = 2 };
        var one = two with { MaxQueryParallelism = 1 };
        var a = (MatrixResult)await engine.ExecuteAsync("t", Range(Query), two, CancellationToken.None);
        var b = (MatrixResult)await engine.ExecuteAsync("t", Range(Query), one, CancellationToken.None);
        Assert.Equal(10, a.Series.Count);
        Assert.Equal(b.Series.Count, a.Series.Count);
        for (var i = 0; i < a.Series.Count; i++)
        {
            Assert.Equal(b.Series[i].Labels, a.Series[i].Labels);
            Assert.Equal(b.Series[i].Points, a.Series[i].Points);
        }
    }
}
