using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.GoCompat;

namespace Sawmill.LogQL.Tests.Engine;

/// <summary>Runs every case of testdata/*.test against the engine over an in-memory reader.</summary>
public sealed class EngineScriptTests
{
    internal const string Tenant = "fake";

    internal static string DataDir([CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "testdata");

    private static readonly Lazy<Dictionary<string, EngineScript>> Scripts = new(() =>
        Directory.GetFiles(DataDir(), "*.test").Order(StringComparer.Ordinal)
            .ToDictionary(f => Path.GetFileName(f), f => EngineScript.Parse(Path.GetFileName(f), File.ReadAllLines(f))));

    internal static Dictionary<string, EngineScript> All => Scripts.Value;

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var (file, script) in All)
            foreach (var c in script.Cases)
                data.Add(file, c.Line);
        return data;
    }

    private static readonly Dictionary<(string, int), MemoryLogReader> Readers = new();

    private static MemoryLogReader ReaderFor(string file, int version)
    {
        lock (Readers)
        {
            if (Readers.TryGetValue((file, version), out var r))
                return r;
            r = new MemoryLogReader();
            foreach (var s in All[file].DataVersions[version])
                foreach (var e in s.Entries)
                    r.Add(Tenant, s.Labels, e.Ts, e.Line, e.Md);
            return Readers[(file, version)] = r;
        }
    }

    [Fact]
    public void Scripts_hold_at_least_400_cases() => Assert.True(All.Values.Sum(s => s.Cases.Count) >= 400, $"{All.Values.Sum(s => s.Cases.Count)} cases");

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Case_gives_the_expected_result(string file, int line)
    {
        var script = All[file];
        var c = script.Cases.Single(x => x.Line == line);
        await Run(new LogQLEngine(ReaderFor(file, c.DataVersion)), c);
    }

    internal static QueryParams Params(EngineScript.Case c) => new()
    {
        Query = c.Query,
        StartNs = c.Start,
        EndNs = c.End,
        StepNs = c.Step,
        Instant = c.Instant,
        Limit = c.Limit,
        Direction = c.Direction,
    };

    internal static async Task Run(IQueryEngine engine, EngineScript.Case c)
    {
        var where = $"{c.File}:{c.Line} `{c.Query}`";
        if (c.Kind == EngineScript.Kind.Fail)
        {
            var ex = await Assert.ThrowsAnyAsync<LogQLException>(() => engine.ExecuteAsync(Tenant, Params(c), QueryLimits.Default, CancellationToken.None));
            Assert.True(c.Expected.Count == 1, where + ": eval_fail needs one expected line");
            Assert.Equal(c.Expected[0].Trim().Replace("\\n", "\n", StringComparison.Ordinal), ex.Message.TrimEnd('\n'));
            return;
        }
        var result = await engine.ExecuteAsync(Tenant, Params(c), QueryLimits.Default, CancellationToken.None);
        var actual = Render(result);
        var expected = Normalise(c.Expected, result, c.Start, c.Step);
        if (result is StreamsResult)
        {
            // stream order is not part of Loki's contract: compare blocks sorted by their label line
            expected = SortBlocks(expected);
            actual = SortBlocks(actual);
        }
        if (!Same(expected, actual))
            Assert.Fail($"{where}\nexpected:\n{string.Join('\n', expected)}\nactual:\n{string.Join('\n', actual)}");
    }

    private static string Num(double v) => double.IsNaN(v) ? "NaN" : double.IsPositiveInfinity(v) ? "+Inf" : double.IsNegativeInfinity(v) ? "-Inf"
        : Math.Round(v, 6).ToString("0.######", CultureInfo.InvariantCulture);

    private static List<string> Render(QueryResult r)
    {
        var lines = new List<string>();
        switch (r)
        {
            case ScalarResult s:
                lines.Add("scalar " + Num(s.Value));
                break;
            case VectorResult v:
                foreach (var s in v.Samples.OrderBy(s => s.Labels))
                    lines.Add(s.Labels + " " + Num(s.Value));
                break;
            case MatrixResult m:
                // values per step are rendered by Normalise's counterpart: keep "ts=v" pairs
                foreach (var s in m.Series.OrderBy(s => s.Labels))
                    lines.Add(s.Labels + " " + string.Join(' ', s.Points.Select(p => p.TimestampMs + "=" + Num(p.Value))));
                break;
            case StreamsResult st:
                foreach (var s in st.Streams)
                {
                    lines.Add(s.Labels.ToString());
                    foreach (var e in s.Entries)
                        lines.Add("  " + GoDuration.Format(e.TimestampNs) + " " + e.Line);
                }
                break;
        }
        return lines.Count == 0 ? ["(empty)"] : lines;
    }

    private static List<string> Normalise(List<string> expected, QueryResult r, long start, long step)
    {
        if (expected.Count == 0 || expected[0].Trim() == "(empty)")
            return ["(empty)"];
        var list = new List<string>();
        if (r is StreamsResult)
        {
            foreach (var e in expected)
            {
                var t = e.Trim();
                if (t.StartsWith('{'))
                {
                    list.Add(EngineScript.ToLabels(t).ToString());
                }
                else
                {
                    var sp = t.IndexOf(' ');
                    var ts = sp < 0 ? t : t[..sp];
                    list.Add("  " + GoDuration.Format(EngineScript.Time(ts)) + " " + (sp < 0 ? "" : t[(sp + 1)..]));
                }
            }
            return list;
        }
        var rows = new List<(Labels, string)>();
        foreach (var e in expected)
        {
            var t = e.Trim();
            if (t.StartsWith("scalar ", StringComparison.Ordinal))
            {
                list.Add("scalar " + Num(ParseNum(t[7..])));
                continue;
            }
            var close = CloseBrace(t);
            var labels = EngineScript.ToLabels(t[..(close + 1)]);
            var values = t[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (r is MatrixResult)
            {
                var parts = new List<string>();
                // map value i to step i; steps come from the case, carried via the first/step of the result grid
                for (var i = 0; i < values.Length; i++)
                    if (values[i] != "_")
                        parts.Add((start + i * step) / TimeNs.PerMillisecond + "=" + Num(ParseNum(values[i])));
                rows.Add((labels, labels + " " + string.Join(' ', parts)));
            }
            else
            {
                rows.Add((labels, labels + " " + Num(ParseNum(values[0]))));
            }
        }
        list.AddRange(rows.OrderBy(x => x.Item1).Select(x => x.Item2));
        return list;
    }

    private static int CloseBrace(string t)
    {
        var inQuote = false;
        for (var i = 0; i < t.Length; i++)
        {
            if (t[i] == '\\' && inQuote)
            {
                i++;
                continue;
            }
            if (t[i] == '"')
                inQuote = !inQuote;
            if (t[i] == '}' && !inQuote)
                return i;
        }
        throw new FormatException("no closing brace in " + t);
    }

    private static List<string> SortBlocks(List<string> lines)
    {
        var blocks = new List<List<string>>();
        foreach (var l in lines)
        {
            if (!l.StartsWith(' ') || blocks.Count == 0)
                blocks.Add([]);
            blocks[^1].Add(l);
        }
        return blocks.OrderBy(b => b[0], StringComparer.Ordinal).SelectMany(b => b).ToList();
    }

    private static double ParseNum(string s) => s switch
    {
        "NaN" => double.NaN,
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static bool Same(List<string> a, List<string> b) => a.Count == b.Count && a.Zip(b).All(p => p.First == p.Second);
}
