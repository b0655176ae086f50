using System.Text;
using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.LogQL.Log;
using Sawmill.GoCompat;
using Sawmill.LogQL.Syntax;

namespace Sawmill.LogQL.Tests.Log;

/// <summary>
/// Differential tests of the fast paths against the general ones on seeded random inputs, so an optimisation cannot
/// silently change a result: literal line filters vs the RE2 engine, parsers with needed-label hints vs without,
/// lazy UTF-8 values vs strings, by-grouping keys read from the entry vs grouping the full label set, unwrap from
/// bytes vs from the string.
/// </summary>
public sealed class FastPathDifferentialTests
{
    private static readonly string[] Words = ["error", "err", "failed", "fail", "exception", "ERROR", "Error", "ok", "a", "é", "x=1", "\"q\"", " ", ":"];

    private static string RandomText(Random rng)
    {
        var sb = new StringBuilder();
        var n = rng.Next(0, 12);
        for (var i = 0; i < n; i++)
            sb.Append(Words[rng.Next(Words.Length)]).Append(rng.Next(3) == 0 ? "" : " ");
        return sb.ToString();
    }

    [Theory]
    [InlineData("error|failed|exception")]
    [InlineData("error")]
    [InlineData("(?i)error")]
    [InlineData("err|fail")]
    [InlineData("a|b|c|d")]
    [InlineData("a|b|c|d|e|f")]
    [InlineData(".*(error|failed).*")]
    [InlineData("(?i)(error|exception)")]
    public void Literal_line_filters_agree_with_the_regex_engine(string pattern)
    {
        var fast = LineFilter.Create(LineFilterOp.Regex, pattern);
        var regex = Re2.Compile(pattern, anchored: false);
        var rng = new Random(pattern.Length * 7919);
        for (var i = 0; i < 3000; i++)
        {
            var line = RandomText(rng);
            Assert.True(regex.IsMatch(line) == fast.Matches(Encoding.UTF8.GetBytes(line)), $"{pattern} on '{line}'");
        }
    }

    [Fact]
    public void Few_literal_or_chains_agree_with_any_contains()
    {
        var rng = new Random(11);
        for (var i = 0; i < 300; i++)
        {
            var values = Enumerable.Range(0, rng.Next(2, 6)).Select(_ => Words[rng.Next(Words.Length)]).ToArray();
            var f = LineFilter.Create(LineFilterOp.Contains, values);
            for (var k = 0; k < 20; k++)
            {
                var line = RandomText(rng);
                Assert.Equal(values.Any(v => line.Contains(v, StringComparison.Ordinal)), f.Matches(Encoding.UTF8.GetBytes(line)));
            }
        }
    }

    private static readonly string[] Keys = ["level", "app", "status_code", "latency_ms", "msg", "a.b", "user", "__error__"];

    private static string RandomJson(Random rng, bool allowBroken)
    {
        // Distinct keys: with a duplicate key a hinted parser stops at the first occurrence while a full parse keeps
        // the last (Loki's parser hints behave the same way), so duplicates are outside the equivalence.
        var sb = new StringBuilder("{");
        var keys = Keys.OrderBy(_ => rng.Next()).Take(rng.Next(0, 8)).ToArray();
        for (var i = 0; i < keys.Length; i++)
        {
            if (i > 0)
                sb.Append(',');
            sb.Append('"').Append(keys[i]).Append("\":");
            switch (rng.Next(6))
            {
                case 0: sb.Append(rng.Next(1000)); break;
                case 1: sb.Append((rng.NextDouble() * 500).ToString("F2", System.Globalization.CultureInfo.InvariantCulture)); break;
                case 2: sb.Append("\"v").Append(rng.Next(5)).Append('"'); break;
                case 3: sb.Append("\"id-").Append(rng.Next()).Append("\\n\""); break;
                case 4: sb.Append("{\"b\":\"").Append(rng.Next(3)).Append("\"}"); break;
                default: sb.Append(rng.Next(2) == 0 ? "true" : "null"); break;
            }
        }
        sb.Append('}');
        var s = sb.ToString();
        return allowBroken && rng.Next(5) == 0 ? s[..rng.Next(s.Length)] : s;
    }

    private static string RandomLogfmt(Random rng)
    {
        var sb = new StringBuilder();
        foreach (var key in Keys.OrderBy(_ => rng.Next()).Take(rng.Next(0, 8)))
        {
            sb.Append(key).Append('=');
            sb.Append(rng.Next(4) switch
            {
                0 => rng.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture),
                1 => "\"quoted " + rng.Next(9) + "\\\"x\"",
                2 => "v" + rng.Next(4),
                _ => "",
            });
            sb.Append(' ');
        }
        return sb.ToString();
    }

    public static TheoryData<string> Needed => new() { "level", "status_code,latency_ms", "a_b", "app", "level,app,__error__" };

    [Theory]
    [MemberData(nameof(Needed))]
    public void Parsers_with_needed_label_hints_extract_the_same_values(string neededList)
    {
        var needed = neededList.Split(',').ToHashSet(StringComparer.Ordinal);
        var stream = Labels.From(("app", "svc"), ("env", "prod"));
        var rng = new Random(neededList.GetHashCode(StringComparison.Ordinal) & 0xffff);
        foreach (var logfmt in new[] { false, true })
        {
            Stage Parser() => logfmt ? new LogfmtParserStage() : new JsonParserStage();
            var all = new Pipeline([Parser()]).ForStream(stream);
            var hinted = new Pipeline([Parser()], needed).ForStream(stream);
            for (var i = 0; i < 2000; i++)
            {
                var line = Encoding.UTF8.GetBytes(logfmt ? RandomLogfmt(rng) : RandomJson(rng, allowBroken: false));
                Assert.True(all.Process(i, line, out _));
                Assert.True(hinted.Process(i, line, out _));
                if (all.Entry.HasError)
                    continue;
                foreach (var name in needed)
                    Assert.True(all.Entry.Get(name) == hinted.Entry.Get(name), $"{name} of '{Encoding.UTF8.GetString(line)}'");
            }
        }
    }

    [Fact]
    public void Lazy_parser_values_read_the_same_through_every_accessor()
    {
        var stream = Labels.From(("app", "svc"));
        var rng = new Random(5);
        var sp = new Pipeline([new JsonParserStage()]).ForStream(stream);
        for (var i = 0; i < 2000; i++)
        {
            var text = RandomJson(rng, allowBroken: true);
            Assert.True(sp.Process(i, Encoding.UTF8.GetBytes(text), out _));
            // Reference: the same fields read with System.Text.Json (top-level strings and numbers only).
            var labels = sp.Labels;
            foreach (var l in labels.AsSpan())
            {
                Assert.Equal(l.Value, sp.Entry.Get(l.Name));
                if (sp.Entry.TryGetUtf8(l.Name, out var raw))
                    Assert.Fail("a value read as a string must not be served as raw bytes any more");
                _ = raw;
            }
            if (!sp.Entry.HasError)
            {
                using var doc = System.Text.Json.JsonDocument.Parse(text);
                var last = new Dictionary<string, string>();
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    var name = p.Name == "app" ? "app_extracted" : p.Name.Replace('.', '_');
                    if (p.Value.ValueKind == System.Text.Json.JsonValueKind.String)
                        last[name] = p.Value.GetString()!;
                    else if (p.Value.ValueKind == System.Text.Json.JsonValueKind.Number)
                        last[name] = p.Value.GetRawText();
                }
                foreach (var (name, value) in last)
                    if (name != "__error__")
                        Assert.Equal(value, labels.Get(name));
            }
        }
    }

    [Fact]
    public void Unwrap_from_bytes_equals_unwrap_from_the_string()
    {
        var rng = new Random(9);
        string[] samples = ["1", "-2.5", "1e3", "+4", ".5", "5.", "inf", "-Inf", "NaN", "0x10", "1_000", " 1", "1 ", "abc", "12ms", "", "١٢", "1.7976931348623157e309"];
        var sp = new Pipeline([new LogfmtParserStage()]).ForStream(Labels.From(("app", "x")));
        for (var i = 0; i < 500; i++)
        {
            var v = samples[rng.Next(samples.Length)] + (rng.Next(3) == 0 ? rng.Next(100).ToString(System.Globalization.CultureInfo.InvariantCulture) : "");
            var line = Encoding.UTF8.GetBytes($"v=\"{v}\"");
            Assert.True(sp.Process(i, line, out _));
            var fast = sp.Entry.TryGetUtf8("v", out var raw) && Ascii.IsValid(raw) && GoFloat.TryParse(raw, out var f) ? f : (double?)null;
            var slowOk = UnwrapValue.TryConvert(sp.Entry.Get("v") ?? "", UnwrapConversion.None, out var s, out _);
            if (fast != null)
            {
                Assert.True(slowOk, v);
                Assert.Equal(s, fast.Value);
            }
        }
    }

    [Fact]
    public void By_grouping_keys_equal_grouping_the_full_label_set()
    {
        var rng = new Random(3);
        var stream = Labels.From(("app", "svc"), ("level", "stream-level"), ("pod", "p1"));
        string[][] groupings = [["level"], ["app", "status_code"], ["a_b", "pod", "missing"], ["__error__", "level"], []];
        Stage[][] pipelines =
        [
            [new JsonParserStage()],
            [new JsonParserStage(), new DropLabelsStage(["pod"], [])],
            [new JsonParserStage(), new LabelFormatStage([("level", "user", true)])],
        ];
        foreach (var stages in pipelines)
        {
            var sp = new Pipeline(stages).ForStream(stream);
            foreach (var g in groupings)
            {
                var names = g.Distinct().Order(StringComparer.Ordinal).ToArray();
                var cache = new GroupKeyCache(names);
                for (var i = 0; i < 500; i++)
                {
                    var line = Encoding.UTF8.GetBytes(RandomJson(rng, allowBroken: false));
                    if (!sp.Process(i, line, out _) || sp.Entry.HasError)
                        continue;
                    var full = sp.Labels;
                    var expected = Labels.From(full.AsSpan().ToArray().Where(l => names.Contains(l.Name)));
                    Assert.Equal(expected, cache.Get(sp.Entry));
                }
            }
        }
    }
}
