using System.Diagnostics;
using System.Globalization;
using System.Text;
using Sawmill.Server.Patterns;

namespace Sawmill.Benchmarks.Patterns;

/// <summary>
/// <c>dotnet run -c Release --project bench/Sawmill.Benchmarks -- patterns-accuracy</c>: Drain's grouping accuracy on
/// each loghub 2k sample against its ground-truth event ids (the share of lines whose mined group is exactly the set of
/// lines with their EventId; lines are re-matched against the final clusters, as the patterns endpoint reports final
/// templates), plus single-thread mining speed and allocation over the raw lines. Prints a markdown table for docs/ui.md.
/// </summary>
internal static class PatternAccuracy
{
    private static readonly string[] Systems =
    [
        "Android", "Apache", "BGL", "HDFS", "HPC", "Hadoop", "HealthApp", "Linux",
        "Mac", "OpenSSH", "OpenStack", "Proxifier", "Spark", "Thunderbird", "Windows", "Zookeeper",
    ];

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
        var dir = LoghubDirectory();
        Console.WriteLine("| System | Grouping accuracy | Patterns | Ground-truth templates |");
        Console.WriteLine("|---|---:|---:|---:|");
        var total = 0.0;
        foreach (var system in Systems)
        {
            var rows = Structured(Path.Combine(dir, system + "_2k.log_structured.csv"));
            var miner = new DrainMiner(options);
            var predicted = new List<int>(rows.Count);
            foreach (var (content, _) in rows)
                predicted.Add(miner.Train(content).Id);
            for (var i = 0; i < rows.Count; i++)
                predicted[i] = miner.Match(rows[i].Content)?.Id ?? predicted[i];
            var truth = rows.ConvertAll(r => r.EventId);
            var accuracy = GroupingAccuracy(predicted, truth);
            total += accuracy;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {system} | {accuracy:F3} | {miner.Clusters.Count} | {truth.Distinct().Count()} |"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| **mean** | **{total / Systems.Length:F3}** | | |"));

        // Speed: every raw line of the 16 samples (32,000 lines), mined as the /patterns endpoint does, best of 5 rounds.
        var lines = Directory.GetFiles(dir, "*_2k.log").Order(StringComparer.Ordinal).SelectMany(File.ReadAllLines).ToArray();
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

    private static string LoghubDirectory()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "shared", "data", "loghub");
            if (Directory.Exists(candidate))
                return candidate;
        }
        throw new DirectoryNotFoundException("shared/data/loghub not found above " + AppContext.BaseDirectory);
    }

    private static List<(string Content, string EventId)> Structured(string path)
    {
        var rows = new List<(string, string)>();
        using var reader = new StreamReader(path);
        var header = Csv(reader.ReadLine()!);
        int content = header.IndexOf("Content"), eventId = header.IndexOf("EventId");
        while (reader.ReadLine() is { } line)
        {
            var f = Csv(line);
            rows.Add((f[content], f[eventId]));
        }
        return rows;
    }

    /// <summary>One CSV record (RFC 4180 quoting; the samples have no line breaks inside fields).</summary>
    private static List<string> Csv(string line)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"')
            {
                sb.Append('"');
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                fields.Add(sb.ToString());
                sb.Clear();
            }
            else
            {
                sb.Append(c);
            }
        }
        fields.Add(sb.ToString());
        return fields;
    }

    private static double GroupingAccuracy(List<int> predicted, List<string> truth)
    {
        var byPredicted = new Dictionary<int, List<int>>();
        var byTruth = new Dictionary<string, int>();
        for (var i = 0; i < predicted.Count; i++)
        {
            if (!byPredicted.TryGetValue(predicted[i], out var p))
                byPredicted[predicted[i]] = p = [];
            p.Add(i);
            byTruth[truth[i]] = byTruth.GetValueOrDefault(truth[i]) + 1;
        }
        var correct = 0;
        foreach (var group in byPredicted.Values)
        {
            var t = truth[group[0]];
            if (byTruth[t] == group.Count && group.TrueForAll(i => truth[i] == t))
                correct += group.Count;
        }
        return (double)correct / predicted.Count;
    }
}
