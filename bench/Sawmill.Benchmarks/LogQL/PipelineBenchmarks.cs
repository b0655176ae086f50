using BenchmarkDotNet.Attributes;
using Sawmill.Core;
using Sawmill.LogQL.Log;
using Sawmill.LogQL.Syntax;

namespace Sawmill.Benchmarks.LogQL;

/// <summary>
/// Per-line pipeline throughput over lines already in memory (one core). Each benchmark runs its pipeline over the
/// whole data set once; MB/s = the set's size (printed at setup) / the mean time.
/// Run: <c>dotnet run -c Release --project bench/Sawmill.Benchmarks -- --filter '*PipelineBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
[InProcess] // the out-of-process boilerplate build times out on the shared 2-core machine
public class PipelineBenchmarks
{
    private static readonly Labels Stream = Labels.From(("app", "churn-api"), ("env", "prod"));
    private byte[][] _json = [];
    private byte[][] _logfmt = [];
    private byte[][] _loghub = [];
    private StreamPipeline _jsonAll = null!;
    private StreamPipeline _jsonLevelError = null!;
    private StreamPipeline _jsonStatus = null!;
    private StreamPipeline _logfmtAll = null!;
    private StreamPipeline _logfmtLevel = null!;
    private LineFilter _alternation = null!;
    private LineFilter _caseInsensitive = null!;
    private LineFilter _contains = null!;
    private LineFilter _realRegex = null!;

    [GlobalSetup]
    public void Setup()
    {
        _json = PipelineData.ChurnJson(20_000);
        _logfmt = PipelineData.ChurnLogfmt(20_000);
        _loghub = PipelineData.Loghub();
        Console.WriteLine($"// data: json {PipelineData.TotalBytes(_json)} B ({PipelineData.TotalBytes(_json) / _json.Length} B/line), " +
            $"logfmt {PipelineData.TotalBytes(_logfmt)} B, loghub {PipelineData.TotalBytes(_loghub)} B ({_loghub.Length} lines)");
        _jsonAll = new Pipeline([new JsonParserStage()]).ForStream(Stream);
        // A metric query such as sum(count_over_time({app="churn-api"} | json | level="ERROR" [5m])) needs no labels at the end.
        _jsonLevelError = new Pipeline([new JsonParserStage(), new LabelFilterStage(new StringLabelFilter(MatchType.Equal, "level", "ERROR"))],
            neededLabels: new HashSet<string>()).ForStream(Stream);
        _jsonStatus = new Pipeline([new JsonParserStage(), new LabelFilterStage(new NumericLabelFilter("status_code", ComparisonOp.Gte, 500))],
            neededLabels: new HashSet<string>()).ForStream(Stream);
        _logfmtAll = new Pipeline([new LogfmtParserStage()]).ForStream(Stream);
        _logfmtLevel = new Pipeline([new LogfmtParserStage(), new LabelFilterStage(new StringLabelFilter(MatchType.Equal, "level", "error"))],
            neededLabels: new HashSet<string>()).ForStream(Stream);
        _alternation = LineFilter.Create(LineFilterOp.Regex, "error|failed|exception");
        _caseInsensitive = LineFilter.Create(LineFilterOp.Regex, "(?i)error");
        _contains = LineFilter.Create(LineFilterOp.Contains, "error");
        _realRegex = LineFilter.Create(LineFilterOp.Regex, "blk_-?\\d+ (is|was) \\w+");
    }

    /// <summary>One pass of a pipeline over the lines (shared with <see cref="PipelineMicro"/>); returns the lines kept.</summary>
    internal static int Run(StreamPipeline sp, byte[][] lines, bool buildLabels)
    {
        var kept = 0;
        foreach (var line in lines)
        {
            if (sp.Process(0, line, out _))
            {
                kept++;
                if (buildLabels)
                    _ = sp.Labels;
            }
        }
        return kept;
    }

    /// <summary>One pass of a line filter over the lines; returns the lines kept.</summary>
    internal static int Run(LineFilter f, byte[][] lines)
    {
        var kept = 0;
        foreach (var line in lines)
            if (f.Matches(line))
                kept++;
        return kept;
    }

    [Benchmark(Description = "| json (all labels, label sets built)")]
    public int JsonAll() => Run(_jsonAll, _json, buildLabels: true);

    [Benchmark(Description = "| json | level=\"ERROR\" (needed: none)")]
    public int JsonLevelError() => Run(_jsonLevelError, _json, buildLabels: true);

    [Benchmark(Description = "| json | status_code >= 500 (needed: none)")]
    public int JsonStatus() => Run(_jsonStatus, _json, buildLabels: true);

    [Benchmark(Description = "| logfmt (all labels, label sets built)")]
    public int LogfmtAll() => Run(_logfmtAll, _logfmt, buildLabels: true);

    [Benchmark(Description = "| logfmt | level=\"error\" (needed: none)")]
    public int LogfmtLevel() => Run(_logfmtLevel, _logfmt, buildLabels: true);

    [Benchmark(Description = "|~ \"error|failed|exception\" (loghub)")]
    public int RegexAlternation() => Run(_alternation, _loghub);

    [Benchmark(Description = "|~ \"(?i)error\" (loghub)")]
    public int RegexCaseInsensitive() => Run(_caseInsensitive, _loghub);

    [Benchmark(Description = "|= \"error\" (loghub)")]
    public int Contains() => Run(_contains, _loghub);

    [Benchmark(Description = "|~ real regex (loghub)")]
    public int RealRegex() => Run(_realRegex, _loghub);
}
