using System.Text;

namespace Sawmill.Conformance;

/// <summary>Runs every case of the corpus against a server and compares each answer with its golden answer.</summary>
public sealed class Replay
{
    public required int Total { get; init; }
    public required List<(ConformanceCase Case, Answer Expected, Answer Actual)> Differ { get; init; }
    public required Dictionary<string, string> Known { get; init; }
    public required List<string> NoGolden { get; init; }

    /// <summary>Differences not listed in known-divergences.txt.</summary>
    public List<(ConformanceCase Case, Answer Expected, Answer Actual)> Unexpected =>
        Differ.Where(d => !Known.ContainsKey(d.Case.Id)).ToList();

    /// <summary>Listed divergences that now match: the list must shrink with them.</summary>
    public List<string> Fixed => Known.Keys.Where(k => Differ.All(d => d.Case.Id != k)).Order(StringComparer.Ordinal).ToList();

    public int Identical => Total - Differ.Count;

    public string Summary =>
        $"{Identical}/{Total} answers identical to the oracle's ({100.0 * Identical / Math.Max(1, Total):F2}%), " +
        $"{Differ.Count} differ ({Differ.Count - Unexpected.Count} listed in known-divergences.txt, {Unexpected.Count} not), " +
        $"{Fixed.Count} listed but now identical";

    public static async Task<Replay> RunAsync(Corpus corpus, CaseRunner runner, CancellationToken ct = default)
    {
        var golden = corpus.LoadGolden();
        var differ = new List<(ConformanceCase, Answer, Answer)>();
        var noGolden = new List<string>();
        var total = 0;
        foreach (var c in corpus.Cases)
        {
            if (!golden.TryGetValue(c.Id, out var expected))
            {
                noGolden.Add(c.Id);
                continue;
            }
            total++;
            var actual = await runner.RunAsync(c, ct);
            if (!actual.Matches(expected))
                differ.Add((c, expected, actual));
        }
        return new Replay { Total = total, Differ = differ, Known = corpus.LoadKnownDivergences(), NoGolden = noGolden };
    }

    public string Describe(bool full)
    {
        var sb = new StringBuilder(Summary).Append('\n');
        foreach (var (c, expected, actual) in full ? Differ : Unexpected)
        {
            sb.Append('\n').Append(c.Id).Append(Known.ContainsKey(c.Id) ? " (known)" : "").Append(": ")
              .Append(c.Method).Append(' ').Append(c.Path).Append('?').Append(c.QueryString()).Append('\n')
              .Append("  loki:    ").Append(expected.Describe()).Append('\n')
              .Append("  sawmill: ").Append(actual.Describe()).Append('\n');
        }
        if (Fixed.Count > 0)
            sb.Append("\nnow identical, remove from known-divergences.txt: ").Append(string.Join(' ', Fixed)).Append('\n');
        return sb.ToString();
    }
}
