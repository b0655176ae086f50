using System.Text;

namespace Sawmill.Server.Tests.Patterns;

/// <summary>Finds and reads the loghub 2k samples (<c>shared/data/loghub</c> beside the repository).</summary>
internal static class LoghubData
{
    public static readonly string[] Systems =
    [
        "Android", "Apache", "BGL", "HDFS", "HPC", "Hadoop", "HealthApp", "Linux",
        "Mac", "OpenSSH", "OpenStack", "Proxifier", "Spark", "Thunderbird", "Windows", "Zookeeper",
    ];

    public static string Directory
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "data", "loghub");
                if (System.IO.Directory.Exists(candidate))
                    return candidate;
            }
            throw new DirectoryNotFoundException("shared/data/loghub not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The Content and EventId columns of <c>&lt;system&gt;_2k.log_structured.csv</c>.</summary>
    public static List<(string Content, string EventId)> Structured(string system)
    {
        var rows = new List<(string, string)>();
        using var reader = new StreamReader(Path.Combine(Directory, system + "_2k.log_structured.csv"));
        var header = ParseCsvLine(reader.ReadLine()!);
        var content = header.IndexOf("Content");
        var eventId = header.IndexOf("EventId");
        string? line;
        while ((line = reader.ReadLine()) != null)
        {
            var fields = ParseCsvLine(line);
            rows.Add((fields[content], fields[eventId]));
        }
        return rows;
    }

    internal static List<string> ParseCsvLine(string line)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    sb.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    sb.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
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

    /// <summary>
    /// Grouping accuracy: the share of lines whose detected group holds exactly the lines that share their
    /// ground-truth event id.
    /// </summary>
    public static double GroupingAccuracy(IReadOnlyList<int> predicted, IReadOnlyList<string> truth)
    {
        var byPredicted = new Dictionary<int, List<int>>();
        var byTruth = new Dictionary<string, HashSet<int>>();
        for (var i = 0; i < predicted.Count; i++)
        {
            if (!byPredicted.TryGetValue(predicted[i], out var p))
                byPredicted[predicted[i]] = p = [];
            p.Add(i);
            if (!byTruth.TryGetValue(truth[i], out var t))
                byTruth[truth[i]] = t = [];
            t.Add(i);
        }
        var correct = 0;
        foreach (var group in byPredicted.Values)
        {
            var truthSet = byTruth[truth[group[0]]];
            if (truthSet.Count == group.Count && group.TrueForAll(truthSet.Contains))
                correct += group.Count;
        }
        return (double)correct / predicted.Count;
    }
}
