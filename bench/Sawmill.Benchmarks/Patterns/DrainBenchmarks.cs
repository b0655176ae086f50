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
        string? dir = null;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null && dir == null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "shared", "data", "loghub");
            if (Directory.Exists(candidate))
                dir = candidate;
        }
        _lines = dir == null ? [] : Directory.GetFiles(dir, "*_2k.log").SelectMany(File.ReadAllLines).ToArray();
        if (_lines.Length == 0)
            throw new InvalidOperationException("loghub samples not found (shared/data/loghub above the benchmark directory)");
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
