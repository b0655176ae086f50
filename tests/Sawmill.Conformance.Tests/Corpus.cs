using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sawmill.Conformance;

/// <summary>One request of the corpus (a line of cases.jsonl; see tests/conformance/generate_cases.py).</summary>
public sealed record ConformanceCase(
    string Id,
    string Tenant,
    string Method,
    string Path,
    IReadOnlyList<KeyValuePair<string, string>> Params,
    JsonObject? Body,
    string? ContentType,
    string? ContentEncoding)
{
    public string Group => Id[..Id.LastIndexOf('-')];

    public static ConformanceCase Parse(string line)
    {
        var o = JsonNode.Parse(line)!.AsObject();
        var ps = o["params"]!.AsArray()
            .Select(p => new KeyValuePair<string, string>(p![0]!.GetValue<string>(), p[1]!.GetValue<string>()))
            .ToList();
        return new ConformanceCase(
            o["id"]!.GetValue<string>(),
            o["tenant"]!.GetValue<string>(),
            o["method"]!.GetValue<string>(),
            o["path"]!.GetValue<string>(),
            ps,
            o["body"]?.AsObject(),
            o["contentType"]?.GetValue<string>(),
            o["contentEncoding"]?.GetValue<string>());
    }

    /// <summary>The parameters as a query string (also the form body of a POST).</summary>
    public string QueryString() =>
        string.Join('&', Params.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
}

/// <summary>
/// The corpus directory: data.json (the pushes), cases.jsonl (the requests), golden.jsonl (the oracle's answers),
/// known-divergences.txt (answers Sawmill does not give yet, or on purpose gives differently, each with a reason),
/// loki.yaml + overrides.yaml (the configuration both servers run with).
/// </summary>
public sealed class Corpus
{
    /// <summary>Tenants that receive the data set. See generate_cases.py for what each one is for.</summary>
    public static readonly string[] DataTenants = ["conformance", "frontend"];

    public Corpus(string dir)
    {
        Dir = dir;
        using var data = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "data.json")));
        Pushes = data.RootElement.GetProperty("pushes").EnumerateArray().Select(p => p.GetRawText()).ToList();
        Entries = data.RootElement.GetProperty("entries").GetInt32();
        Cases = File.ReadLines(Path.Combine(dir, "cases.jsonl")).Where(l => l.Length > 0).Select(ConformanceCase.Parse).ToList();
    }

    public string Dir { get; }

    /// <summary>JSON push bodies, in push order.</summary>
    public IReadOnlyList<string> Pushes { get; }

    public int Entries { get; }

    public IReadOnlyList<ConformanceCase> Cases { get; }

    public string GoldenPath => Path.Combine(Dir, "golden.jsonl");

    public string KnownDivergencesPath => Path.Combine(Dir, "known-divergences.txt");

    /// <summary>Golden answers by case id.</summary>
    public Dictionary<string, Answer> LoadGolden()
    {
        var result = new Dictionary<string, Answer>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(GoldenPath))
        {
            if (line.Length == 0)
                continue;
            var o = JsonNode.Parse(line)!.AsObject();
            result[o["id"]!.GetValue<string>()] = Answer.FromGolden(o);
        }
        return result;
    }

    /// <summary>
    /// known-divergences.txt: one case id a line, then whitespace and the reason (docs/compat.md explains each);
    /// blank lines and lines starting with # are comments.
    /// </summary>
    public Dictionary<string, string> LoadKnownDivergences()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(KnownDivergencesPath))
            return result;
        foreach (var raw in File.ReadLines(KnownDivergencesPath))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
                continue;
            var cut = line.IndexOfAny([' ', '\t']);
            result[cut < 0 ? line : line[..cut]] = cut < 0 ? "" : line[cut..].Trim();
        }
        return result;
    }

    /// <summary>The corpus next to the test assembly (copied there by the build).</summary>
    public static Corpus FromTestOutput() => new(Path.Combine(AppContext.BaseDirectory, "conformance"));

    /// <summary>The corpus in the source tree: walks up from <paramref name="start"/> to tests/conformance.</summary>
    public static string FindSourceDir(string start)
    {
        for (var d = new DirectoryInfo(start); d != null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "tests", "conformance");
            if (File.Exists(Path.Combine(candidate, "cases.jsonl")))
                return candidate;
        }
        throw new DirectoryNotFoundException($"no tests/conformance/cases.jsonl above {start}");
    }
}
