using System.Text;
using System.Text.RegularExpressions;
using Sawmill.Core;
using Sawmill.LogQL.Syntax;
using Sawmill.GoCompat;

namespace Sawmill.LogQL.Engine;

/// <summary>
/// Evaluates a metric expression over the step grid. A node yields either a vector (series with a value at some
/// steps) or a scalar (a value at every step: literals). Vector aggregation, binary operators and label_replace
/// work step by step with Prometheus/Loki semantics.
/// </summary>
internal sealed class MetricEvaluator(ILogReader reader, EvalContext ctx)
{
    internal readonly record struct Value(List<StepSeries>? Vector, double Scalar)
    {
        public bool IsScalar => Vector == null;
    }

    public Value Eval(SampleExpr expr) => expr switch
    {
        LiteralExpr l => new Value(null, l.Value),
        VectorExpr v => new Value([Const(Labels.Empty, v.Value)], 0),
        RangeAggregationExpr r => new Value(new RangeEvaluator(reader, ctx).Evaluate(r, null), 0),
        VectorAggregationExpr v => new Value(Aggregate(v), 0),
        BinaryExpr b => Binary(b),
        LabelReplaceExpr lr => new Value(LabelReplace(lr), 0),
        _ => throw new InvalidOperationException(expr.GetType().Name),
    };

    private StepSeries Const(Labels labels, double v)
    {
        var s = new StepSeries(labels, ctx.Grid.Count);
        for (var i = 0; i < ctx.Grid.Count; i++)
            s.Set(i, v);
        return s;
    }

    private List<StepSeries> Vector(SampleExpr e)
    {
        var v = Eval(e);
        return v.Vector ?? [Const(Labels.Empty, v.Scalar)];
    }

    // ------------------------------------------------------------------ vector aggregation

    private List<StepSeries> Aggregate(VectorAggregationExpr v)
    {
        List<StepSeries> input;
        // Loki injects a sum's grouping into the range aggregation below it (labels reduced before windowing).
        if (v.Op == VectorOp.Sum && v.Inner is RangeAggregationExpr { Grouping: null } r &&
            r.Op is RangeOp.BytesOverTime or RangeOp.BytesRate or RangeOp.SumOverTime or RangeOp.Rate or RangeOp.CountOverTime)
            input = new RangeEvaluator(reader, ctx).Evaluate(r, v.Grouping);
        else
            input = Vector(v.Inner);

        var steps = ctx.Grid.Count;
        var g = v.Grouping;
        switch (v.Op)
        {
            case VectorOp.TopK or VectorOp.BottomK or VectorOp.ApproxTopK:
                return TopK(input, v.Op == VectorOp.BottomK, v.Parameter, v.Op == VectorOp.ApproxTopK ? Grouping.None : g);
            case VectorOp.Sort or VectorOp.SortDesc:
                return input; // order is applied when an instant vector is produced
        }

        var groups = new Dictionary<Labels, List<StepSeries>>();
        foreach (var s in input)
        {
            var key = GroupLabels(s.Labels, g);
            if (!groups.TryGetValue(key, out var list))
                groups[key] = list = [];
            list.Add(s);
        }
        var result = new List<StepSeries>(groups.Count);
        foreach (var (labels, members) in groups)
        {
            StepSeries? outSeries = null;
            for (var i = 0; i < steps; i++)
            {
                int n = 0;
                double sum = 0, min = double.NaN, max = double.NaN, mean = 0, m2 = 0;
                foreach (var s in members)
                {
                    if (!s.Present[i])
                        continue;
                    var x = s.Values[i];
                    n++;
                    sum += x;
                    if (n == 1 || x < min || double.IsNaN(min))
                        min = n == 1 ? x : Math.Min(min, x);
                    if (n == 1 || x > max || double.IsNaN(max))
                        max = n == 1 ? x : Math.Max(max, x);
                    var d = x - mean;
                    mean += d / n;
                    m2 += d * (x - mean);
                }
                if (n == 0)
                    continue;
                var value = v.Op switch
                {
                    VectorOp.Sum => sum,
                    VectorOp.Avg => mean,
                    VectorOp.Min => min,
                    VectorOp.Max => max,
                    VectorOp.Count => n,
                    VectorOp.Stdvar => m2 / n,
                    VectorOp.Stddev => Math.Sqrt(m2 / n),
                    _ => throw new InvalidOperationException(v.Op.ToString()),
                };
                outSeries ??= new StepSeries(labels, steps);
                outSeries.Set(i, value);
            }
            if (outSeries != null)
                result.Add(outSeries);
        }
        return result;
    }

    private static Labels GroupLabels(Labels labels, Grouping g)
    {
        var list = new List<Label>();
        foreach (var l in labels.AsSpan())
        {
            var listed = false;
            foreach (var n in g.Labels)
                if (n == l.Name)
                {
                    listed = true;
                    break;
                }
            if (g.Without ? !listed : listed)
                list.Add(l);
        }
        return Labels.FromSorted(list.ToArray());
    }

    private List<StepSeries> TopK(List<StepSeries> input, bool bottom, int k, Grouping g)
    {
        var steps = ctx.Grid.Count;
        var groups = new Dictionary<Labels, List<StepSeries>>();
        foreach (var s in input)
        {
            var key = g.Singleton ? Labels.Empty : GroupLabels(s.Labels, g);
            if (!groups.TryGetValue(key, out var list))
                groups[key] = list = [];
            list.Add(s);
        }
        var output = new Dictionary<StepSeries, StepSeries>(ReferenceEqualityComparer.Instance);
        var candidates = new List<StepSeries>();
        foreach (var members in groups.Values)
        {
            for (var i = 0; i < steps; i++)
            {
                candidates.Clear();
                foreach (var s in members)
                    if (s.Present[i])
                        candidates.Add(s);
                candidates.Sort((a, b) =>
                {
                    var c = bottom ? a.Values[i].CompareTo(b.Values[i]) : b.Values[i].CompareTo(a.Values[i]);
                    return c != 0 ? c : a.Labels.CompareTo(b.Labels);
                });
                for (var j = 0; j < Math.Min(k, candidates.Count); j++)
                {
                    var s = candidates[j];
                    if (!output.TryGetValue(s, out var o))
                        output[s] = o = new StepSeries(s.Labels, steps);
                    o.Set(i, s.Values[i]);
                }
            }
        }
        return output.Values.ToList();
    }

    // ------------------------------------------------------------------ binary operators

    private Value Binary(BinaryExpr b)
    {
        var l = Eval(b.Left);
        var r = Eval(b.Right);
        if (l.IsScalar && r.IsScalar)
            return new Value(null, ScalarMath.Apply(b.Op, l.Scalar, r.Scalar, true));
        if (r.IsScalar)
            return new Value(VectorScalar(b, l.Vector!, r.Scalar, scalarOnLeft: false), 0);
        if (l.IsScalar)
            return new Value(VectorScalar(b, r.Vector!, l.Scalar, scalarOnLeft: true), 0);
        return new Value(VectorVector(b, l.Vector!, r.Vector!), 0);
    }

    private List<StepSeries> VectorScalar(BinaryExpr b, List<StepSeries> vec, double scalar, bool scalarOnLeft)
    {
        var steps = ctx.Grid.Count;
        var comparison = LogQLNames.IsComparison(b.Op);
        var result = new List<StepSeries>(vec.Count);
        foreach (var s in vec)
        {
            StepSeries? o = null;
            for (var i = 0; i < steps; i++)
            {
                if (!s.Present[i])
                    continue;
                var x = s.Values[i];
                double lv = scalarOnLeft ? scalar : x, rv = scalarOnLeft ? x : scalar;
                double v;
                if (comparison)
                {
                    var ok = ScalarMath.Compare(b.Op, lv, rv);
                    if (b.ReturnBool)
                        v = ok ? 1 : 0;
                    else if (ok)
                        v = x; // the vector side's value is kept (Loki issue 10741)
                    else
                        continue;
                }
                else
                {
                    v = ScalarMath.Apply(b.Op, lv, rv, false);
                }
                o ??= new StepSeries(s.Labels, steps);
                o.Set(i, v);
            }
            if (o != null)
                result.Add(o);
        }
        return result;
    }

    private static string Signature(Labels labels, VectorMatching? m)
    {
        var sb = new StringBuilder();
        foreach (var l in labels.AsSpan())
        {
            if (m != null)
            {
                var listed = false;
                foreach (var n in m.Labels)
                    if (n == l.Name)
                    {
                        listed = true;
                        break;
                    }
                if (m.On != listed)
                    continue;
            }
            sb.Append(l.Name).Append('\xff').Append(l.Value).Append('\xff');
        }
        return sb.ToString();
    }

    private List<StepSeries> VectorVector(BinaryExpr b, List<StepSeries> left, List<StepSeries> right)
    {
        var steps = ctx.Grid.Count;
        var m = b.Matching;
        switch (b.Op)
        {
            case BinaryOp.And or BinaryOp.Unless:
            {
                var result = new List<StepSeries>();
                var rightSigs = new Dictionary<string, List<StepSeries>>();
                foreach (var s in right)
                {
                    var sig = Signature(s.Labels, m);
                    if (!rightSigs.TryGetValue(sig, out var list))
                        rightSigs[sig] = list = [];
                    list.Add(s);
                }
                foreach (var s in left)
                {
                    rightSigs.TryGetValue(Signature(s.Labels, m), out var matches);
                    StepSeries? o = null;
                    for (var i = 0; i < steps; i++)
                    {
                        if (!s.Present[i])
                            continue;
                        var present = matches != null && matches.Exists(x => x.Present[i]);
                        if (present != (b.Op == BinaryOp.And))
                            continue;
                        o ??= new StepSeries(s.Labels, steps);
                        o.Set(i, s.Values[i]);
                    }
                    if (o != null)
                        result.Add(o);
                }
                return result;
            }
            case BinaryOp.Or:
            {
                var result = new List<StepSeries>();
                var leftSigs = new Dictionary<string, List<StepSeries>>();
                foreach (var s in left)
                {
                    result.Add(s);
                    var sig = Signature(s.Labels, m);
                    if (!leftSigs.TryGetValue(sig, out var list))
                        leftSigs[sig] = list = [];
                    list.Add(s);
                }
                foreach (var s in right)
                {
                    leftSigs.TryGetValue(Signature(s.Labels, m), out var matches);
                    StepSeries? o = null;
                    for (var i = 0; i < steps; i++)
                    {
                        if (!s.Present[i] || (matches != null && matches.Exists(x => x.Present[i])))
                            continue;
                        o ??= new StepSeries(s.Labels, steps);
                        o.Set(i, s.Values[i]);
                    }
                    if (o != null)
                        result.Add(o);
                }
                return result;
            }
        }

        var card = m?.Cardinality ?? MatchCardinality.OneToOne;
        // "one" side is indexed by signature; "many" side iterates.
        var (many, one) = card == MatchCardinality.OneToMany ? (right, left) : (left, right);
        var swapped = card == MatchCardinality.OneToMany;
        var index = new Dictionary<string, List<StepSeries>>();
        foreach (var s in one)
        {
            var sig = Signature(s.Labels, m);
            if (!index.TryGetValue(sig, out var list))
                index[sig] = list = [];
            list.Add(s);
        }
        var outputs = new Dictionary<Labels, StepSeries>();
        var comparison = LogQLNames.IsComparison(b.Op);
        var seenMany = new Dictionary<string, int>();
        for (var i = 0; i < steps; i++)
        {
            if (card == MatchCardinality.OneToOne)
                seenMany.Clear();
            foreach (var s in many)
            {
                if (!s.Present[i])
                    continue;
                var sig = Signature(s.Labels, m);
                if (!index.TryGetValue(sig, out var candidates))
                    continue;
                StepSeries? match = null;
                foreach (var c in candidates)
                {
                    if (!c.Present[i])
                        continue;
                    if (match != null)
                        throw new LogQLException($"found duplicate series for the match group {{{SigText(c.Labels, m)}}} on the {(swapped ? "left" : "right")} hand-side of the operation: [{match.Labels}, {c.Labels}];many-to-many matching not allowed: matching labels must be unique on one side");
                    match = c;
                }
                if (match == null)
                    continue;
                if (card == MatchCardinality.OneToOne)
                {
                    if (seenMany.ContainsKey(sig))
                        throw new LogQLException($"found duplicate series for the match group {{{SigText(s.Labels, m)}}} on the left hand-side of the operation: many-to-many matching not allowed: matching labels must be unique on one side");
                    seenMany[sig] = 1;
                }
                var (lv, rv) = swapped ? (match.Values[i], s.Values[i]) : (s.Values[i], match.Values[i]);
                double v;
                if (comparison)
                {
                    var ok = ScalarMath.Compare(b.Op, lv, rv);
                    if (b.ReturnBool)
                        v = ok ? 1 : 0;
                    else if (ok)
                        v = lv;
                    else
                        continue;
                }
                else
                {
                    v = ScalarMath.Apply(b.Op, lv, rv, false);
                }
                var labels = ResultLabels(s.Labels, match.Labels, m, card);
                if (!outputs.TryGetValue(labels, out var o))
                    outputs[labels] = o = new StepSeries(labels, steps);
                else if (o.Present[i])
                    throw new LogQLException("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
                o.Set(i, v);
            }
        }
        return outputs.Values.ToList();
    }

    private static string SigText(Labels labels, VectorMatching? m)
    {
        var parts = new List<string>();
        foreach (var l in labels.AsSpan())
        {
            if (m != null && m.On != m.Labels.Contains(l.Name))
                continue;
            parts.Add(l.Name + "=" + GoQuote.Quote(l.Value));
        }
        return string.Join(", ", parts);
    }

    /// <summary>Prometheus's resultMetric: one-to-one keeps the on-labels (or drops the ignored ones); group_x copies includes from the one side.</summary>
    private static Labels ResultLabels(Labels leftOrMany, Labels one, VectorMatching? m, MatchCardinality card)
    {
        if (m == null)
            return leftOrMany;
        var b = leftOrMany.ToBuilder();
        if (card == MatchCardinality.OneToOne)
        {
            foreach (var l in leftOrMany.AsSpan())
            {
                var listed = m.Labels.Contains(l.Name);
                if (m.On ? !listed : listed)
                    b.Delete(l.Name);
            }
        }
        else
        {
            foreach (var name in m.Include)
            {
                var v = one.Get(name);
                if (v == null)
                    b.Delete(name);
                else
                    b.Set(name, v);
            }
        }
        return b.Build();
    }

    // ------------------------------------------------------------------ label_replace

    private List<StepSeries> LabelReplace(LabelReplaceExpr lr)
    {
        var input = Vector(lr.Inner);
        var re = Re2.Compile(lr.Regex, anchored: true);
        var merged = new Dictionary<Labels, StepSeries>();
        foreach (var s in input)
        {
            var src = s.Labels.Get(lr.Source) ?? "";
            var match = re.Match(src);
            var labels = s.Labels;
            if (match.Success)
            {
                var value = GoRegexpExpand.Expand(lr.Replacement, match);
                var b = labels.ToBuilder();
                if (value.Length == 0)
                    b.Delete(lr.Destination);
                else
                    b.Set(lr.Destination, value);
                labels = b.Build();
            }
            if (merged.TryGetValue(labels, out var existing))
            {
                for (var i = 0; i < ctx.Grid.Count; i++)
                {
                    if (!s.Present[i])
                        continue;
                    if (existing.Present[i])
                        throw new LogQLException("vector cannot contain metrics with the same labelset");
                    existing.Set(i, s.Values[i]);
                }
                continue;
            }
            s.Labels = labels;
            merged[labels] = s;
        }
        return merged.Values.ToList();
    }
}
