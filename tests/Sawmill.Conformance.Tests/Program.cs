using System.Text;

namespace Sawmill.Conformance;

/// <summary>
/// Command line of the conformance corpus (the test host does not use it):
/// <code>
/// dotnet run --project tests/Sawmill.Conformance.Tests -- record  --url http://127.0.0.1:3199 [--corpus DIR] [--skip-push]
/// dotnet run --project tests/Sawmill.Conformance.Tests -- compare --url http://127.0.0.1:3100 [--corpus DIR] [--skip-push] [--out FILE]
/// </code>
/// <c>record</c> pushes the data set into a reference Loki (v2.9.9, configured with tests/conformance/loki.yaml, empty
/// at start), runs every query three times (see RecordAsync for answers that vary) and rewrites
/// golden.jsonl. <c>compare</c> runs the corpus against any server and lists the answers that differ from the golden
/// ones, like the replay test does. The URL can also come from the environment variable CONFORMANCE_URL.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("record" or "compare"))
        {
            Console.Error.WriteLine("usage: record|compare --url URL [--corpus DIR] [--skip-push] [--out FILE]");
            return 2;
        }
        string? url = Environment.GetEnvironmentVariable("CONFORMANCE_URL"), corpusDir = null, outFile = null;
        var skipPush = false;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--url": url = args[++i]; break;
                case "--corpus": corpusDir = args[++i]; break;
                case "--out": outFile = args[++i]; break;
                case "--skip-push": skipPush = true; break;
                default:
                    Console.Error.WriteLine("unknown argument " + args[i]);
                    return 2;
            }
        }
        if (string.IsNullOrEmpty(url))
        {
            Console.Error.WriteLine("--url (or CONFORMANCE_URL) is required");
            return 2;
        }
        var corpus = new Corpus(corpusDir ?? Corpus.FindSourceDir(Directory.GetCurrentDirectory()));
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(5) };
        var runner = new CaseRunner(http);
        if (!skipPush)
            await runner.PushDataAsync(corpus);
        return args[0] == "record" ? await RecordAsync(corpus, runner) : await CompareAsync(corpus, runner, outFile);
    }

    private static async Task<int> RecordAsync(Corpus corpus, CaseRunner runner)
    {
        const int Runs = 3;
        var answers = new Dictionary<string, List<Answer>>();
        foreach (var c in corpus.Cases)
            answers[c.Id] = [await runner.RunAsync(c)];
        // Queries run again (pushes are not repeated): an answer Loki itself does not give the same way every time
        // is compared only as far as it is stable (see Answer), or left out.
        for (var run = 1; run < Runs; run++)
            foreach (var c in corpus.Cases.Where(c => c.Body == null))
                answers[c.Id].Add(await runner.RunAsync(c));
        var sb = new StringBuilder();
        var unstable = new List<string>();
        var flagged = new List<string>();
        foreach (var c in corpus.Cases)
        {
            var runs = answers[c.Id];
            IReadOnlyList<string>? flags = null;
            foreach (var candidate in new[] { [], ["unordered"], ["float"], new[] { "unordered", "float" } })
            {
                if (runs.All(a => a.Matches(runs[0], candidate)))
                {
                    flags = candidate;
                    break;
                }
            }
            if (flags == null)
            {
                unstable.Add(c.Id);
                continue;
            }
            if (flags.Count > 0)
                flagged.Add($"{c.Id} ({string.Join(',', flags)})");
            sb.Append(runs[0].ToGoldenLine(c.Id, flags)).Append('\n');
        }
        await File.WriteAllTextAsync(corpus.GoldenPath, sb.ToString());
        var byStatus = answers.Values.GroupBy(a => a[0].Status).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}");
        Console.WriteLine($"recorded {answers.Count - unstable.Count} answers into {corpus.GoldenPath} ({string.Join(", ", byStatus)})");
        if (flagged.Count > 0)
            Console.WriteLine($"compared loosely, Loki's answer varied between runs: {string.Join(' ', flagged)}");
        if (unstable.Count > 0)
            Console.WriteLine($"not recorded, Loki's answer varied between runs: {string.Join(' ', unstable)}");
        return 0;
    }

    private static async Task<int> CompareAsync(Corpus corpus, CaseRunner runner, string? outFile)
    {
        var report = await Replay.RunAsync(corpus, runner);
        Console.WriteLine(report.Summary);
        if (outFile == null)
        {
            Console.WriteLine(report.Describe(full: true));
        }
        else
        {
            // One JSON object a line: id, request, golden and actual answer (for scripts that sort divergences).
            var sb = new StringBuilder();
            foreach (var (c, expected, actual) in report.Differ)
                sb.Append(System.Text.Json.JsonSerializer.Serialize(new
                {
                    id = c.Id, known = report.Known.ContainsKey(c.Id), path = c.Path,
                    @params = c.Params.Select(p => new[] { p.Key, p.Value }),
                    loki = expected.Describe(int.MaxValue), sawmill = actual.Describe(int.MaxValue),
                })).Append('\n');
            await File.WriteAllTextAsync(outFile, sb.ToString());
        }
        return report.Unexpected.Count == 0 && report.Fixed.Count == 0 ? 0 : 1;
    }
}
