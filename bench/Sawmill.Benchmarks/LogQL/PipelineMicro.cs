using System.Diagnostics;
using Sawmill.Core;
using Sawmill.LogQL.Log;
using Sawmill.LogQL.Syntax;

namespace Sawmill.Benchmarks.LogQL;

/// <summary>
/// Quick single-thread pipeline throughput, best of several passes (robust on a loaded machine, where
/// BenchmarkDotNet's mean is dominated by other processes): <c>-- logql-micro</c>. Prints MB/s and bytes
/// allocated per line for each case of <see cref="PipelineBenchmarks"/>.
/// </summary>
internal static class PipelineMicro
{
    private static readonly Labels Stream = Labels.From(("app", "churn-api"), ("env", "prod"));

    public static void Run(string[] args)
    {
        var passes = args.Length > 0 && int.TryParse(args[0], out var p) ? p : 7;
        // An optional second argument keeps only the cases whose name contains it (for profiling one case).
        s_only = args.Length > 1 ? args[1] : null;
        var json = PipelineData.ChurnJson(20_000);
        var logfmt = PipelineData.ChurnLogfmt(20_000);
        var loghub = PipelineData.Loghub();
        var none = new HashSet<string>();
        Console.WriteLine($"load: {File.ReadAllText("/proc/loadavg").Trim()}");
        Measure("| json (all labels, label sets built)", json, passes, new Pipeline([new JsonParserStage()]).ForStream(Stream), true);
        Measure("| json (all labels, no label set)", json, passes, new Pipeline([new JsonParserStage()]).ForStream(Stream), false);
        Measure("| json | level=\"ERROR\" (needed: none)", json, passes,
            new Pipeline([new JsonParserStage(), new LabelFilterStage(new StringLabelFilter(MatchType.Equal, "level", "ERROR"))], none).ForStream(Stream), true);
        Measure("| json | status_code >= 500 (needed: none)", json, passes,
            new Pipeline([new JsonParserStage(), new LabelFilterStage(new NumericLabelFilter("status_code", ComparisonOp.Gte, 500))], none).ForStream(Stream), true);
        Measure("| logfmt (all labels, label sets built)", logfmt, passes, new Pipeline([new LogfmtParserStage()]).ForStream(Stream), true);
        Measure("| logfmt (all labels, no label set)", logfmt, passes, new Pipeline([new LogfmtParserStage()]).ForStream(Stream), false);
        Measure("| logfmt | level=\"error\" (needed: none)", logfmt, passes,
            new Pipeline([new LogfmtParserStage(), new LabelFilterStage(new StringLabelFilter(MatchType.Equal, "level", "error"))], none).ForStream(Stream), true);
        Measure("|~ \"error|failed|exception\" (loghub)", loghub, passes, LineFilter.Create(LineFilterOp.Regex, "error|failed|exception"));
        Measure("|~ \"(?i)error\" (loghub)", loghub, passes, LineFilter.Create(LineFilterOp.Regex, "(?i)error"));
        Measure("|= \"error\" (loghub)", loghub, passes, LineFilter.Create(LineFilterOp.Contains, "error"));
        Measure("|~ real regex (loghub)", loghub, passes, LineFilter.Create(LineFilterOp.Regex, "blk_-?\\d+ (is|was) \\w+"));
    }

    private static void Measure(string name, byte[][] lines, int passes, StreamPipeline sp, bool buildLabels) =>
        Report(name, lines, passes, () => PipelineBenchmarks.Run(sp, lines, buildLabels));

    private static void Measure(string name, byte[][] lines, int passes, LineFilter f) =>
        Report(name, lines, passes, () => PipelineBenchmarks.Run(f, lines));

    private static string? s_only;

    private static void Report(string name, byte[][] lines, int passes, Func<int> run)
    {
        if (s_only != null && !name.Contains(s_only, StringComparison.Ordinal))
            return;
        run(); // warm-up (JIT tiering, caches)
        run();
        var best = double.MaxValue;
        var bestCpu = double.MaxValue;
        long alloc = 0;
        for (var i = 0; i < passes; i++)
        {
            var cpu = ThreadCpuSeconds();
            var before = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            run();
            var elapsed = sw.Elapsed.TotalSeconds;
            alloc = GC.GetAllocatedBytesForCurrentThread() - before;
            best = Math.Min(best, elapsed);
            bestCpu = Math.Min(bestCpu, ThreadCpuSeconds() - cpu);
        }
        var mb = PipelineData.TotalBytes(lines) / 1e6;
        var cpuColumn = bestCpu > 0 ? $"{mb / bestCpu,8:F0} MB/s on CPU" : "";
        Console.WriteLine($"{name,-48} {mb / best,8:F0} MB/s  {best * 1e3,8:F2} ms  {alloc / (double)lines.Length,7:F1} B/line {cpuColumn}");
    }

    /// <summary>
    /// Time this thread has spent on a CPU (Linux <c>/proc/thread-self/schedstat</c>), 0 elsewhere. On a loaded machine
    /// wall time counts the time the scheduler gave to others; this does not (cache and SMT contention remain).
    /// </summary>
    private static double ThreadCpuSeconds()
    {
        try
        {
            var text = File.ReadAllText("/proc/thread-self/schedstat");
            return long.Parse(text.AsSpan(0, text.IndexOf(' ')), System.Globalization.CultureInfo.InvariantCulture) / 1e9;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
