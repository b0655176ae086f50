using System.Diagnostics;
using Sawmill.LogQL.Engine;

namespace Sawmill.Benchmarks.LogQL;

/// <summary>
/// The engine benchmarks' queries over a larger generated set, timed end to end (best of 3) with the bytes
/// allocated per entry: <c>-- logql-engine [MiB, default 1024]</c>. Needs about 1.3 GiB of memory per GiB of data.
/// </summary>
internal static class EngineMicro
{
    public static void Run(string[] args)
    {
        var mib = args.Length > 0 && long.TryParse(args[0], out var m) ? m : 1024;
        // An optional second argument repeats each query more often (for attaching a profiler); the best run counts.
        var runs = args.Length > 1 && int.TryParse(args[1], out var r) ? r : 3;
        var hour = TimeSpan.FromHours(1).Ticks * 100;
        var reader = BenchLogReader.Generate(mib << 20, hour);
        var engine = new LogQLEngine(reader);
        Console.WriteLine($"data: {reader.TotalBytes / (1 << 20)} MiB, {reader.TotalEntries} entries; load: {File.ReadAllText("/proc/loadavg").Trim()}");
        // An optional third argument runs that query instead of the two standard ones.
        var queries = args.Length > 2 ? args[2..] : [EngineBenchmarks.Quantile, EngineBenchmarks.RateByLevel];
        foreach (var q in queries)
        {
            var best = double.MaxValue;
            var bestCpu = double.MaxValue;
            long alloc = 0;
            QueryResult? result = null;
            for (var i = 0; i < runs; i++)
            {
                GC.Collect();
                var before = GC.GetTotalAllocatedBytes(precise: true);
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                result = engine.ExecuteAsync("fake", EngineBenchmarks.Range(q), QueryLimits.Default, CancellationToken.None).GetAwaiter().GetResult();
                best = Math.Min(best, sw.Elapsed.TotalSeconds);
                var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
                bestCpu = Math.Min(bestCpu, cpuSeconds);
                alloc = GC.GetTotalAllocatedBytes(precise: true) - before;
                Console.WriteLine($"  run {i}: {sw.Elapsed.TotalSeconds:F3} s, CPU {cpuSeconds:F3} s, {alloc / 1e6:F1} MB allocated");
            }
            Console.WriteLine($"{q}\n  best {best:F3} s (least CPU {bestCpu:F3} s), {reader.TotalBytes / best / 1e6:F0} MB/s, {alloc / (double)reader.TotalEntries:F1} B/entry allocated, result {result}");
        }
    }
}
