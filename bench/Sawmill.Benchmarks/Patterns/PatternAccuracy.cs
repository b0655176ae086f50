using System.Diagnostics;
using System.Globalization;
using System.Text;
using Sawmill.Server.Patterns;
using Sawmill.Testing;

namespace Sawmill.Benchmarks.Patterns;

/// <summary>
/// <c>dotnet run -c Release --project bench/Sawmill.Benchmarks -- patterns-accuracy</c>: Drain's grouping accuracy on
/// each loghub 2k sample against its ground-truth event ids (the share of lines whose mined group is exactly the set of
/// lines with their EventId; lines are re-matched against the final clusters, as the patterns endpoint reports final
/// templates), plus single-thread mining speed and allocation over the raw lines. Prints a markdown table for docs/ui.md.
/// </summary>
internal static class PatternAccuracy
{
    /// <summary>Optional arguments <c>depth=N sim=X children=N</c> override <see cref="DrainOptions"/> (for tuning).</summary>
    public static void Run(string[] args)
    {
        var options = new DrainOptions();
        foreach (var a in args)
        {
            var (k, v) = (a.Split('=')[0], a.Split('=')[^1]);
            options = k switch
            {
                "depth" => options with { Depth = int.Parse(v, CultureInfo.InvariantCulture) },
                "sim" => options with { SimilarityThreshold = double.Parse(v, CultureInfo.InvariantCulture) },
                "children" => options with { MaxChildren = int.Parse(v, CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"unknown option {a} (depth=, sim=, children=)"),
            };
        }
        Console.WriteLine($"Drain options: {options}");
        var dir = Loghub.Directory;
        Console.WriteLine("| System | Grouping accuracy | Patterns | Ground-truth templates |");
        Console.WriteLine("|---|---:|---:|---:|");
        var total = 0.0;
        foreach (var system in Loghub.Systems)
        {
            var rows = Loghub.Structured(system);
            var miner = new DrainMiner(options);
            var predicted = new List<int>(rows.Count);
            foreach (var (content, _) in rows)
                predicted.Add(miner.Train(content).Id);
            for (var i = 0; i < rows.Count; i++)
                predicted[i] = miner.Match(rows[i].Content)?.Id ?? predicted[i];
            var truth = rows.ConvertAll(r => r.EventId);
            var accuracy = Loghub.GroupingAccuracy(predicted, truth);
            total += accuracy;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {system} | {accuracy:F3} | {miner.Clusters.Count} | {truth.Distinct().Count()} |"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| **mean** | **{total / Loghub.Systems.Length:F3}** | | |"));

        // Speed: every raw line of the 16 samples (32,000 lines), mined as the /patterns endpoint does, best of 5 rounds.
        var lines = Loghub.All().SelectMany(s => s.Lines).ToArray();
        var best = double.MaxValue;
        long allocated = 0;
        for (var round = 0; round < 6; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            var miner = new DrainMiner(options);
            var ts = 0L;
            foreach (var line in lines)
                miner.Train(line, ts += 10, 60_000);
            sw.Stop();
            if (round == 0)
                continue; // warm-up (JIT)
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mining speed: {lines.Length / best:N0} lines/s on one thread ({lines.Length:N0} raw loghub lines in {best * 1000:F0} ms), {allocated / (double)lines.Length:F0} bytes allocated per line"));
    }
}
