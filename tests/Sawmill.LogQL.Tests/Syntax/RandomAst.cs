using Sawmill.Core;
using Sawmill.LogQL.Syntax;

namespace Sawmill.LogQL.Tests.Syntax;

/// <summary>Builds random valid ASTs from a seed (for the print→parse round-trip property).</summary>
internal sealed class RandomAst(int seed)
{
    private readonly Random _r = new(seed);

    private static readonly string[] Names = ["app", "level", "env", "pod", "status", "path", "__error__", "x_y"];
    private static readonly string[] Values = ["api", "", "a\"b", "tab\t", "é✓", "back\\slash", "err.*", "x|y", "{{.a}}"];

    private T Pick<T>(IReadOnlyList<T> items) => items[_r.Next(items.Count)];

    private string Name() => Pick(Names);

    private string Value() => Pick(Values);

    public Expr Expr() => _r.Next(3) == 0 ? Selector(allowEmpty: false) : Sample(3);

    public LogSelectorExpr Selector(bool allowEmpty)
    {
        var matchers = new List<LabelMatcher> { LabelMatcher.Create(MatchType.Equal, "job", "j" + _r.Next(100)) };
        for (var i = _r.Next(3); i > 0; i--)
            matchers.Add(LabelMatcher.Create((MatchType)_r.Next(4), Name(), _r.Next(2) == 0 ? "v" : ".+"));
        var stages = new List<StageExpr>();
        for (var i = _r.Next(5); i > 0; i--)
        {
            var stage = Stage();
            // `| keep a != "x"` reads as a keep matcher in LogQL itself: a negative line filter cannot follow drop/keep.
            while (stages.Count > 0 && stages[^1] is DropLabelsExpr or KeepLabelsExpr &&
                   stage is LineFilterExpr { Op: LineFilterOp.NotContains or LineFilterOp.NotRegex })
                stage = Stage();
            stages.Add(stage);
        }
        return new LogSelectorExpr(matchers, stages);
    }

    private StageExpr Stage()
    {
        switch (_r.Next(13))
        {
            case 0:
            {
                var op = (LineFilterOp)_r.Next(6);
                var values = new List<LineFilterValue>();
                for (var i = 1 + _r.Next(3); i > 0; i--)
                {
                    if (op is LineFilterOp.Contains or LineFilterOp.NotContains && _r.Next(4) == 0)
                        values.Add(new LineFilterValue(_r.Next(2) == 0 ? "10.0.0.0/8" : "192.168.1.1-192.168.1.9", true));
                    else
                        values.Add(new LineFilterValue(op is LineFilterOp.Regex or LineFilterOp.NotRegex ? "a.*b" : Value(), false));
                }
                return new LineFilterExpr(op, values);
            }
            case 1: return new JsonParserExpr(_r.Next(2) == 0 ? EquatableArray<LabelExtraction>.Empty : new[] { new LabelExtraction("a", "b.c[0]"), new LabelExtraction("d", "e") });
            case 2: return new LogfmtParserExpr(_r.Next(2) == 0, _r.Next(2) == 0, _r.Next(2) == 0 ? EquatableArray<LabelExtraction>.Empty : new[] { new LabelExtraction("a", "b") });
            case 3: return new RegexpParserExpr("(?P<a>\\w+) \"(?P<b>.*)\"");
            case 4: return new PatternParserExpr("<a> - <_> \"<b>\"");
            case 5: return new UnpackParserExpr();
            case 6: return new LabelFilterStageExpr(LabelFilter(2));
            case 7: return new LineFormatExpr(Value());
            case 8: return new LabelFormatExpr(new[] { new LabelFormat("a", "b", true), new LabelFormat("c", Value(), false) });
            case 9: return new DropLabelsExpr(new[] { new LabelSelection("a", null), new LabelSelection("b", LabelMatcher.Create(MatchType.Equal, "b", Value())) });
            case 10: return new KeepLabelsExpr(new[] { new LabelSelection("a", null) });
            case 11: return new DecolorizeExpr();
            default: return new LabelFilterStageExpr(new StringLabelFilterExpr(LabelMatcher.Create(MatchType.Equal, "__error__", "")));
        }
    }

    private LabelFilterExpr LabelFilter(int depth)
    {
        var op = (ComparisonOp)_r.Next(6);
        switch (_r.Next(depth > 0 ? 7 : 5))
        {
            case 0: return new StringLabelFilterExpr(LabelMatcher.Create((MatchType)_r.Next(4), Name(), Value() is var v && v.Contains('*') ? v : "v"));
            case 1: return new NumericLabelFilterExpr(Name(), op, Math.Round(_r.NextDouble() * 1000 - 100, _r.Next(4)));
            case 2: return new DurationLabelFilterExpr(Name(), op, _r.Next(1, 100000) * TimeNs.PerMillisecond);
            case 3: return new BytesLabelFilterExpr(Name(), op, _r.Next(1, 5000) * (_r.Next(2) == 0 ? 1000.0 : 1024.0));
            case 4: return new IpLabelFilterExpr(Name(), _r.Next(2) == 0, "10.0.0.0/8");
            default: return new BinaryLabelFilterExpr(LabelFilter(depth - 1), _r.Next(2) == 0, LabelFilter(depth - 1));
        }
    }

    private static readonly long[] Ranges = [TimeNs.PerSecond * 30, TimeNs.PerMinute, TimeNs.PerMinute * 5, TimeNs.PerHour, TimeNs.PerHour * 25, 250 * TimeNs.PerMillisecond];

    private SampleExpr Range()
    {
        var op = (RangeOp)_r.Next(15);
        UnwrapExpr? unwrap = null;
        var unwrapOnly = op is not (RangeOp.CountOverTime or RangeOp.Rate or RangeOp.BytesOverTime or RangeOp.BytesRate or RangeOp.AbsentOverTime);
        var noUnwrap = op is RangeOp.CountOverTime or RangeOp.BytesOverTime or RangeOp.BytesRate;
        if (unwrapOnly || (!noUnwrap && _r.Next(2) == 0))
        {
            var post = new List<LabelFilterExpr>();
            if (_r.Next(2) == 0)
                post.Add(LabelFilter(1));
            unwrap = new UnwrapExpr("latency", (UnwrapConversion)_r.Next(4), post);
        }
        Grouping? grouping = null;
        if (op is RangeOp.AvgOverTime or RangeOp.MaxOverTime or RangeOp.MinOverTime or RangeOp.QuantileOverTime or RangeOp.FirstOverTime
                or RangeOp.LastOverTime or RangeOp.StddevOverTime or RangeOp.StdvarOverTime && _r.Next(2) == 0)
            grouping = new Grouping(_r.Next(2) == 0, _r.Next(2) == 0 ? new[] { "app" } : new[] { "app", "pod" });
        var offset = _r.Next(3) == 0 ? Pick(Ranges) : 0;
        return new RangeAggregationExpr(op, new LogRangeExpr(Selector(false), Pick(Ranges), unwrap, offset),
            op == RangeOp.QuantileOverTime ? Math.Round(_r.NextDouble(), 2) : null, grouping);
    }

    public SampleExpr Sample(int depth)
    {
        switch (_r.Next(depth > 0 ? 7 : 2))
        {
            case 0: return Range();
            case 1: return new VectorExpr(_r.Next(-5, 5));
            case 2:
            case 3:
            {
                var op = (VectorOp)_r.Next(12);
                var g = op is VectorOp.Sort or VectorOp.SortDesc or VectorOp.ApproxTopK || _r.Next(2) == 0
                    ? Grouping.None
                    : new Grouping(_r.Next(2) == 0, new[] { "app" });
                return new VectorAggregationExpr(op, Sample(depth - 1), g, op is VectorOp.TopK or VectorOp.BottomK or VectorOp.ApproxTopK ? _r.Next(1, 20) : 0);
            }
            case 4:
            {
                var op = (BinaryOp)_r.Next(15);
                var left = Sample(depth - 1);
                SampleExpr right = !LogQLNames.IsSetOp(op) && _r.Next(3) == 0 ? new LiteralExpr(_r.Next(0, 100) / 4.0) : Sample(depth - 1);
                VectorMatching? m = null;
                if (_r.Next(3) == 0)
                    m = new VectorMatching(_r.Next(2) == 0, new[] { "app" }, LogQLNames.IsSetOp(op) ? MatchCardinality.OneToOne : (MatchCardinality)_r.Next(3),
                        _r.Next(2) == 0 ? EquatableArray<string>.Empty : new[] { "env" });
                if (m is { Cardinality: MatchCardinality.OneToOne })
                    m = m with { Include = EquatableArray<string>.Empty };
                return new BinaryExpr(op, left, right, LogQLNames.IsComparison(op) && _r.Next(2) == 0, m);
            }
            case 5: return new LabelReplaceExpr(Sample(depth - 1), "dst", "$1-x", "app", "(.*)");
            default:
                return new BinaryExpr(BinaryOp.Add, new LiteralExpr(_r.Next(100)), Sample(depth - 1), false, null);
        }
    }
}
