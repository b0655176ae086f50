using System.Text;

namespace Sawmill.Testing;

/// <summary>
/// Files that tests and benchmarks read from the repository itself (<c>testdata/</c>, <c>examples/</c>). The repository
/// root is found by walking up from the test binaries to the folder holding <c>Sawmill.slnx</c>, so a bare clone
/// anywhere works. A missing file is an error naming the path it was expected at: tests never fall back to other data.
/// </summary>
public static class RepositoryFiles
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    public static string Root => LazyRoot.Value;

    /// <summary>The path of a file or folder below the repository root; throws when it does not exist.</summary>
    public static string Path(params string[] parts)
    {
        var path = System.IO.Path.Combine([Root, .. parts]);
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException(
                $"test data missing: {string.Join('/', parts)} is not in the repository (expected at {path})", path);
        return path;
    }

    /// <summary>The course's "Log-Based Alerts" rule file, as the course prints it.</summary>
    public static string CourseAlertRules => File.ReadAllText(Path("examples", "course", "grafana-alert-rules.yaml"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Sawmill.slnx")))
                return dir.FullName;
        throw new DirectoryNotFoundException(
            "the Sawmill repository root (the folder with Sawmill.slnx) is not above " + AppContext.BaseDirectory);
    }
}

/// <summary>
/// The loghub 2k samples in <c>testdata/loghub</c> (16 systems, raw lines plus the structured CSV with ground-truth
/// event ids; see its README, LICENSE and CITATION).
/// </summary>
public static class Loghub
{
    public static readonly string[] Systems =
    [
        "Android", "Apache", "BGL", "HDFS", "HPC", "Hadoop", "HealthApp", "Linux",
        "Mac", "OpenSSH", "OpenStack", "Proxifier", "Spark", "Thunderbird", "Windows", "Zookeeper",
    ];

    public static string Directory => RepositoryFiles.Path("testdata", "loghub");

    /// <summary>The raw lines of one system's sample.</summary>
    public static string[] Lines(string system) => File.ReadAllLines(RepositoryFiles.Path("testdata", "loghub", system + "_2k.log"));

    /// <summary>Every system's raw lines, systems in <see cref="Systems"/> order.</summary>
    public static IEnumerable<(string System, string[] Lines)> All() => Systems.Select(s => (s, Lines(s)));

    /// <summary>The Content and EventId columns of <c>&lt;system&gt;_2k.log_structured.csv</c>.</summary>
    public static List<(string Content, string EventId)> Structured(string system)
    {
        var rows = new List<(string, string)>();
        using var reader = new StreamReader(RepositoryFiles.Path("testdata", "loghub", system + "_2k.log_structured.csv"));
        var header = ParseCsvLine(reader.ReadLine()!);
        int content = header.IndexOf("Content"), eventId = header.IndexOf("EventId");
        while (reader.ReadLine() is { } line)
        {
            var fields = ParseCsvLine(line);
            rows.Add((fields[content], fields[eventId]));
        }
        return rows;
    }

    /// <summary>One CSV record (RFC 4180 quoting; the samples have no line breaks inside fields).</summary>
    public static List<string> ParseCsvLine(string line)
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

    /// <summary>
    /// Grouping accuracy: the share of lines whose detected group holds exactly the lines that share their
    /// ground-truth event id.
    /// </summary>
    public static double GroupingAccuracy(IReadOnlyList<int> predicted, IReadOnlyList<string> truth)
    {
        var byPredicted = new Dictionary<int, List<int>>();
        var truthCounts = new Dictionary<string, int>();
        for (var i = 0; i < predicted.Count; i++)
        {
            if (!byPredicted.TryGetValue(predicted[i], out var p))
                byPredicted[predicted[i]] = p = [];
            p.Add(i);
            truthCounts[truth[i]] = truthCounts.GetValueOrDefault(truth[i]) + 1;
        }
        var correct = 0;
        foreach (var group in byPredicted.Values)
        {
            var t = truth[group[0]];
            if (truthCounts[t] == group.Count && group.TrueForAll(i => truth[i] == t))
                correct += group.Count;
        }
        return (double)correct / predicted.Count;
    }
}
