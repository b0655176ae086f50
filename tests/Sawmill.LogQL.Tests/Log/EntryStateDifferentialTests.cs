using System.Text;
using Sawmill.Core;
using Sawmill.LogQL.Log;

namespace Sawmill.LogQL.Tests.Log;

/// <summary>
/// <see cref="EntryState"/> builds label sets through fast paths (the sorted layout reused while the added names
/// repeat, appends without searching while they follow the layout, values of mostly-unique labels decoded without
/// the interner, the content cache). Each seed drives one state through many entries of random sets, replacements,
/// deletions and errors — mostly repeating the previous entry's names, as a stream does — and compares every label
/// set with a plain dictionary model.
/// </summary>
public sealed class EntryStateDifferentialTests
{
    private static readonly string[] Names = ["level", "app", "msg", "status", "user", "trace_id", "zeta", "a_b", "env", "__error__", "__error_details__"];

    public static TheoryData<int> Seeds()
    {
        var d = new TheoryData<int>();
        for (var i = 1; i <= 40; i++)
            d.Add(i);
        return d;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Built_label_sets_equal_the_model(int seed)
    {
        var rng = new Random(seed);
        var stream = Labels.From(("app", "churn-api"), ("env", "prod"), ("pod", "p-" + seed));
        var state = new EntryState(stream);
        // A template of operations, mutated a little now and then, so most entries repeat the last one's names.
        var template = RandomTemplate(rng);
        for (var entry = 0; entry < 400; entry++)
        {
            if (rng.Next(10) == 0)
                template = RandomTemplate(rng);
            else if (rng.Next(6) == 0 && template.Count > 0)
                template.RemoveAt(rng.Next(template.Count));
            var metadata = rng.Next(5) == 0 ? new[] { new Label("trace_id", "t" + rng.Next(3)) } : [];
            state.Reset(entry, metadata);
            var added = new Dictionary<string, string>(StringComparer.Ordinal);
            var baseDeleted = new HashSet<string>(StringComparer.Ordinal);
            string? error = null, details = null;
            foreach (var m in metadata)
                added[m.Name] = m.Value;
            foreach (var (op, name) in template)
            {
                var value = RandomValue(rng, name, entry);
                switch (op)
                {
                    case Op.SetUtf8 when name is not (EntryState.ErrorLabel or EntryState.ErrorDetailsLabel):
                        state.SetUtf8(LabelCategory.Parsed, name, Encoding.UTF8.GetBytes(value));
                        added[name] = value;
                        break;
                    case Op.SetUtf8:
                    case Op.Set:
                        state.Set(LabelCategory.Parsed, name, value);
                        if (name == EntryState.ErrorLabel)
                            error = value;
                        else if (name == EntryState.ErrorDetailsLabel)
                            details = value;
                        else
                            added[name] = value;
                        break;
                    case Op.Delete:
                        state.Delete(name);
                        if (name == EntryState.ErrorLabel)
                            error = null;
                        else if (name == EntryState.ErrorDetailsLabel)
                            details = null;
                        added.Remove(name);
                        if (stream.Has(name))
                            baseDeleted.Add(name);
                        break;
                }
                if (rng.Next(8) == 0)
                    Assert.Equal(Model(stream, added, baseDeleted, null, null), Labels.FromSorted(state.CurrentLabels().ToArray()));
            }
            var expected = Model(stream, added, baseDeleted, error, details);
            var built = state.BuildLabels();
            Assert.True(expected.Equals(built), $"seed {seed}, entry {entry}: expected {expected}, built {built}");
            Assert.Equal(expected.Hash, built.Hash);
            Assert.Equal(Model(stream, added, baseDeleted, null, null), Labels.FromSorted(state.CurrentLabels().ToArray()));
            foreach (var (name, value) in added)
                Assert.Equal(value, state.Get(name));
        }
    }

    [Fact]
    public void Labels_whose_values_were_unique_for_a_while_are_still_exact_when_they_recur()
    {
        var state = new EntryState(Labels.From(("app", "a")));
        for (var i = 0; i < 500; i++)
        {
            // Unique for 200 entries (the slot stops interning), then only three values (it must intern again).
            var id = i < 200 ? "id-" + i : "id-" + (i % 3);
            state.Reset(i, default);
            state.SetUtf8(LabelCategory.Parsed, "id", Encoding.UTF8.GetBytes(id));
            state.SetUtf8(LabelCategory.Parsed, "level", "info"u8);
            var built = state.BuildLabels();
            Assert.Equal(Labels.From(("app", "a"), ("id", id), ("level", "info")), built);
        }
    }

    [Fact]
    public void Recurring_label_sets_are_one_instance()
    {
        var state = new EntryState(Labels.From(("app", "a")));
        Labels? first = null;
        for (var i = 0; i < 50; i++)
        {
            state.Reset(i, default);
            state.SetUtf8(LabelCategory.Parsed, "level", "info"u8);
            state.SetUtf8(LabelCategory.Parsed, "status", "200"u8);
            var built = state.BuildLabels();
            if (i > 1)
                Assert.Same(first, built);
            first = built;
        }
    }

    [Theory]
    [InlineData(false, null)]
    [InlineData(true, null)]
    [InlineData(false, "latency,level")]
    [InlineData(true, "latency,level")]
    [InlineData(false, "app")]
    public void Long_lived_stream_pipelines_equal_fresh_ones_line_by_line(bool logfmt, string? neededList)
    {
        // Everything a stream pipeline carries from line to line (keys by position, the label layout, last values,
        // interner statistics) must never change a result: compare with a pipeline made fresh for every line.
        var needed = neededList?.Split(',').ToHashSet(StringComparer.Ordinal);
        var stream = Labels.From(("app", "svc"), ("env", "prod"));
        Stage Parser() => logfmt ? new LogfmtParserStage() : new JsonParserStage();
        var longLived = new Pipeline([Parser()], needed).ForStream(stream);
        var rng = new Random(logfmt ? 5 : 6);
        var keys = new List<string> { "ts", "level", "msg", "latency", "id", "app", "a.b" };
        for (var i = 0; i < 3000; i++)
        {
            if (rng.Next(25) == 0)
                keys = keys.OrderBy(_ => rng.Next()).ToList(); // the shape changes now and then
            var fields = keys.Where(_ => rng.Next(12) != 0).Select(k => (k, k switch
            {
                "id" => "id-" + i,
                "latency" => (rng.NextDouble() * 100).ToString("F2", System.Globalization.CultureInfo.InvariantCulture),
                "level" => new[] { "info", "warn", "error" }[rng.Next(3)],
                "msg" => rng.Next(3) == 0 ? "said \"hi\"" : "ok",
                _ => "v" + rng.Next(3),
            })).ToList();
            var line = logfmt
                ? string.Join(' ', fields.Select(f => f.Item1 + "=\"" + f.Item2 + "\""))
                : "{" + string.Join(',', fields.Select(f => "\"" + f.Item1 + "\":\"" + f.Item2 + "\"")) + "}";
            var bytes = Encoding.UTF8.GetBytes(line);
            var fresh = new Pipeline([Parser()], needed).ForStream(stream);
            Assert.Equal(fresh.Process(i, bytes, out _), longLived.Process(i, bytes, out _));
            if (needed == null)
            {
                Assert.Equal(fresh.Labels, longLived.Labels);
            }
            else
            {
                foreach (var name in needed)
                    Assert.Equal(fresh.Entry.Get(name), longLived.Entry.Get(name));
            }
        }
    }

    private enum Op
    {
        Set,
        SetUtf8,
        Delete,
    }

    private static List<(Op, string)> RandomTemplate(Random rng)
    {
        var ops = new List<(Op, string)>();
        var n = rng.Next(0, 12);
        for (var i = 0; i < n; i++)
        {
            var op = rng.Next(10) switch { < 2 => Op.Set, < 9 => Op.SetUtf8, _ => Op.Delete };
            ops.Add((op, Names[rng.Next(Names.Length)]));
        }
        return ops;
    }

    private static string RandomValue(Random rng, string name, int entry) => name switch
    {
        // Unique per entry (the interner is skipped for such labels after a while) with now and then a repeat.
        "trace_id" => rng.Next(10) == 0 ? "t-1" : "t-" + entry + "-" + rng.Next(1000),
        "user" => rng.Next(10) == 0 ? "ü-1" : "ü-" + entry + "-" + rng.Next(1000), // not ASCII
        "status" => rng.Next(8) == 0 ? "50" + rng.Next(3) : "200", // mostly the previous entry's value
        "msg" => rng.Next(4) == 0 ? "" : "héllo " + rng.Next(3),
        _ => "v" + rng.Next(4),
    };

    private static Labels Model(Labels stream, Dictionary<string, string> added, HashSet<string> baseDeleted, string? error, string? details)
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var l in stream.AsSpan())
            if (!baseDeleted.Contains(l.Name))
                all[l.Name] = l.Value;
        foreach (var (n, v) in added)
            all[n] = v;
        if (error != null)
        {
            all[EntryState.ErrorLabel] = error;
            if (!string.IsNullOrEmpty(details))
                all[EntryState.ErrorDetailsLabel] = details;
        }
        return Labels.From(all.Select(kv => new Label(kv.Key, kv.Value)));
    }
}
