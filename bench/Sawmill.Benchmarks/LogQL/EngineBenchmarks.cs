using BenchmarkDotNet.Attributes;
using Sawmill.LogQL.Engine;

namespace Sawmill.Benchmarks.LogQL;

/// <summary>
/// End-to-end metric queries through <see cref="LogQLEngine"/> over an in-memory reader of generated churn-api JSON
/// lines (64 MiB, 8 streams, spread over one hour), range query over that hour with a 1-minute step, 2 workers.
/// Allocated / entries = bytes allocated per entry. The 1 GiB figure: <c>-- logql-engine 1024</c>.
/// Run: <c>dotnet run -c Release --project bench/Sawmill.Benchmarks -- --filter '*EngineBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    public const string Quantile = "quantile_over_time(0.99, {app=~\".+\"} | json | unwrap latency_ms [5m]) by (app)";
    public const string RateByLevel = "sum by (level) (rate({app=\"api\"} | json [5m]))";
    private static readonly long Hour = TimeSpan.FromHours(1).Ticks * 100;
    private LogQLEngine _engine = null!;

    [GlobalSetup]
    public void Setup()
    {
        var reader = BenchLogReader.Generate(64L << 20, Hour);
        Console.WriteLine($"// data: {reader.TotalBytes} B, {reader.TotalEntries} entries");
        _engine = new LogQLEngine(reader);
    }

    public static QueryParams Range(string q) => new() { Query = q, StartNs = 0, EndNs = Hour, StepNs = 60_000_000_000 };

    [Benchmark(Description = "quantile_over_time(0.99, … | json | unwrap latency_ms [5m]) by (app)")]
    public object QuantileByApp() => _engine.ExecuteAsync("fake", Range(Quantile), QueryLimits.Default, CancellationToken.None).GetAwaiter().GetResult();

    [Benchmark(Description = "sum by (level) (rate({app=\"api\"} | json [5m]))")]
    public object RateSumByLevel() => _engine.ExecuteAsync("fake", Range(RateByLevel), QueryLimits.Default, CancellationToken.None).GetAwaiter().GetResult();
}
