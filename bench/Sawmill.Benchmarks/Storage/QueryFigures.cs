using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.Storage;

namespace Sawmill.Benchmarks.Storage;

/// <summary>
/// Query figures in process, without HTTP, over an existing data directory (for example one filled by
/// <c>sawmill bench push</c>): <c>dotnet run -c Release --project bench/Sawmill.Benchmarks -- query-figures DIR [tenant] [query…]</c>.
/// Opens the store (replaying its WAL), then runs each query (default: the needle and the count of issue 2) three times
/// over the whole stored time range and prints wall time, raw line bytes of the data set per second and entries per second.
/// </summary>
internal static class QueryFigures
{
    public static async Task RunAsync(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: query-figures DIR [tenant] [query…]");
            return;
        }
        var tenant = args.Length > 1 ? args[1] : "fake";
        var queries = args.Length > 2 ? args[2..] :
        [
            "{app=~\".+\"} |= \"NEEDLE-q7x9\"",
            "{app=~\".+\"} |~ \"(?i)needle-q7x9\"",
            "sum by (level) (count_over_time({app=~\".+\"}[1m]))",
        ];
        var opened = Stopwatch.StartNew();
        await using var store = await LogStore.OpenAsync(new LogStoreOptions { Directory = args[0], BackgroundFlush = false }, NullLogger.Instance);
        Console.WriteLine($"store opened in {opened.Elapsed.TotalSeconds:F2} s");
        var all = new[] { LabelMatcher.Create(MatchType.Regex, "app", ".+") };
        var stats = store.Stats(tenant, all, long.MinValue / 2, long.MaxValue / 2, CancellationToken.None);
        var (min, max) = Bounds(store, tenant, all);
        Console.WriteLine($"data: {stats.Streams} streams, {stats.Entries:N0} entries, {stats.Bytes / (double)(1 << 30):F2} GiB of lines");
        var engine = new LogQLEngine(store, NullLogger<LogQLEngine>.Instance);
        var limits = new QueryLimits { MaxEntriesLimitPerQuery = 100_000, QueryTimeout = TimeSpan.FromMinutes(5) };
        foreach (var q in queries)
        {
            var best = double.MaxValue;
            QueryResult? last = null;
            for (var i = 0; i < 3; i++)
            {
                var sw = Stopwatch.StartNew();
                last = await engine.ExecuteAsync(tenant, new QueryParams
                {
                    Query = q,
                    StartNs = min - 60_000_000_000,
                    EndNs = max + 60_000_000_000,
                    StepNs = 60_000_000_000,
                    Limit = 100_000,
                    Direction = Direction.Backward,
                }, limits, CancellationToken.None);
                best = Math.Min(best, sw.Elapsed.TotalSeconds);
            }
            Console.WriteLine($"{q}");
            Console.WriteLine($"  best of 3: {best:F3} s  → {stats.Bytes / (double)(1 << 30) / best:F2} GiB/s of the data set's lines, {stats.Entries / best / 1e6:F1} M entries/s; {Describe(last!)}");
        }
    }

    private static (long Min, long Max) Bounds(LogStore store, string tenant, LabelMatcher[] matchers)
    {
        // The stored range, found by asking forward and backward for one entry of each stream.
        long min = long.MaxValue, max = long.MinValue;
        foreach (var dir in new[] { Direction.Forward, Direction.Backward })
            foreach (var it in store.Select(new SelectRequest { Tenant = tenant, Matchers = matchers, StartNs = 0, EndNs = long.MaxValue, Direction = dir, Fields = EntryFields.Timestamps }, CancellationToken.None))
                using (it)
                    if (it.Next())
                    {
                        min = Math.Min(min, it.TimestampNs);
                        max = Math.Max(max, it.TimestampNs);
                    }
        return (min, max);
    }

    private static string Describe(QueryResult r) => r switch
    {
        StreamsResult s => $"{s.Streams.Sum(x => x.Entries.Count)} entries returned",
        MatrixResult m => $"{m.Series.Count} series, {m.Series.Sum(x => x.Points.Count)} points, sum {m.Series.Sum(x => x.Points.Sum(p => p.Value)):N0}",
        _ => r.ResultType,
    } + $"; stats: {r.Statistics.DecompressedLines + r.Statistics.HeadLines:N0} entries, {r.Statistics.DecompressedBytes + r.Statistics.HeadBytes:N0} line bytes read, chunks touched {r.Statistics.ChunksTouched} skipped {r.Statistics.ChunksSkipped}";
}
