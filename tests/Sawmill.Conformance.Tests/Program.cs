using System.Text;

namespace Sawmill.Conformance;

/// <summary>
/// Command line of the conformance corpus (the test host does not use it):
/// <code>
/// dotnet run --project tests/Sawmill.Conformance.Tests -- record  --url http://127.0.0.1:3199 [--corpus DIR] [--skip-push]
/// dotnet run --project tests/Sawmill.Conformance.Tests -- compare --url http://127.0.0.1:3100 [--corpus DIR] [--skip-push] [--out FILE]
/// </code>
/// <c>record</c> pushes the data set into a reference Loki (v2.9.9, configured with tests/conformance/loki.yaml, empty
/// at start), runs every query six times (see RecordAsync for answers that vary) and rewrites
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

    /// <summary>Runs of each query: enough to see most of the answers a nondeterministic Loki answer takes.</summary>
    private const int Runs = 6;

    private static async Task<int> RecordAsync(Corpus corpus, CaseRunner runner)
    {
        var answers = new Dictionary<string, List<Answer>>();
        foreach (var c in corpus.Cases)
            answers[c.Id] = [await runner.RunAsync(c)];
        // Queries run again (pushes are not repeated): an answer Loki itself does not give the same way every time
        // is compared as a set when only its order varies, else every distinct answer is kept (see Answer).
        for (var run = 1; run < Runs; run++)
            foreach (var c in corpus.Cases.Where(c => c.Body == null))
                answers[c.Id].Add(await runner.RunAsync(c));
        var sb = new StringBuilder();
        var unordered = new List<string>();
        var varied = new List<string>();
        foreach (var c in corpus.Cases)
        {
            var runs = answers[c.Id];
            var distinct = new List<Answer>();
            foreach (var a in runs)
                if (!distinct.Any(d => a.Matches(d, null)))
                    distinct.Add(a);
            if (distinct.Count == 1)
            {
                sb.Append(distinct[0].ToGoldenLine(c.Id)).Append('\n');
            }
            else if (runs.All(a => a.Matches(runs[0], ["unordered"])))
            {
                unordered.Add(c.Id);
                sb.Append(runs[0].ToGoldenLine(c.Id, ["unordered"])).Append('\n');
            }
            else
            {
                varied.Add($"{c.Id} ({distinct.Count})");
                sb.Append(distinct[0].ToGoldenLine(c.Id, null, distinct.Skip(1).ToList())).Append('\n');
            }
        }
        await File.WriteAllTextAsync(corpus.GoldenPath, sb.ToString());
        var byStatus = answers.Values.GroupBy(a => a[0].Status).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}");
        Console.WriteLine($"recorded {answers.Count} answers into {corpus.GoldenPath} ({string.Join(", ", byStatus)})");
        if (unordered.Count > 0)
            Console.WriteLine($"compared as sets, Loki's order varied between runs: {string.Join(' ', unordered)}");
        if (varied.Count > 0)
            Console.WriteLine($"with alternatives, Loki's answer varied between runs: {string.Join(' ', varied)}");
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
