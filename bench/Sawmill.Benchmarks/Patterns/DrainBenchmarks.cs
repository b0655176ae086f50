using BenchmarkDotNet.Attributes;
using Sawmill.Server.Patterns;

namespace Sawmill.Benchmarks.Patterns;

/// <summary>Drain pattern mining over the loghub samples (lines/s per core; what <c>/loki/api/v1/patterns</c> pays per line).</summary>
[MemoryDiagnoser]

public class DrainBenchmarks
{
    private string[] _lines = [];

    [GlobalSetup]
    public void Setup()
    {
        _lines = Sawmill.Testing.Loghub.All().SelectMany(s => s.Lines).ToArray();
    }

    [Benchmark]
    public int MineAllLoghubLines()
    {
        var miner = new DrainMiner();
        foreach (var line in _lines)
            miner.Train(line);
        return miner.Clusters.Count;
    }
}
