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
                return v.Parameter < 1 ? [] : TopK(input, v.Op, v.Parameter, v.Op == VectorOp.ApproxTopK ? Grouping.None : g);
            case VectorOp.Sort or VectorOp.SortDesc:
                return TopK(input, v.Op, int.MaxValue, Grouping.None);
        }

        var groups = GroupBy(input, s => GroupLabels(s.Labels, g));
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

    /// <summary>
    /// topk/bottomk (and sort/sort_desc, k = all) as Loki computes them: per step and group, the members in input order
    /// go through a Go heap (topk keeps the k largest with the least on top; a member replaces the top only when it is
    /// strictly greater, or the top is NaN), then the heap is put in result order with Go's unstable sort. Ties are
    /// decided by those heap and sort swaps, so they are reproduced by doing the same swaps. The input is taken in label
    /// order (Loki's is its evaluator's map order, which this makes deterministic). For an instant query the returned
    /// list is in result order: groups by first appearance, each group in its sorted heap's order.
    /// </summary>
    private List<StepSeries> TopK(List<StepSeries> input, VectorOp op, int k, Grouping g)
    {
        var steps = ctx.Grid.Count;
        var ordered = StableByLabels(input);
        var groups = new Dictionary<Labels, List<StepSeries>>();
        foreach (var s in ordered)
        {
            var key = g.Singleton ? Labels.Empty : GroupLabels(s.Labels, g);
            if (!groups.TryGetValue(key, out var list))
                groups[key] = list = [];
            list.Add(s);
        }
        // Both of Loki's heaps put NaN on top; topk's keeps the least value there, bottomk's the greatest.
        var ascendingHeap = op is VectorOp.TopK or VectorOp.ApproxTopK or VectorOp.SortDesc;
        Func<(StepSeries S, double V), (StepSeries S, double V), bool> less = ascendingHeap
            ? (x, y) => double.IsNaN(x.V) || x.V < y.V
            : (x, y) => double.IsNaN(x.V) || x.V > y.V;
        Func<(StepSeries S, double V), (StepSeries S, double V), bool> reversed = (x, y) => less(y, x);
        var all = op is VectorOp.Sort or VectorOp.SortDesc;
        var output = new Dictionary<StepSeries, StepSeries>(ReferenceEqualityComparer.Instance);
        var order = new List<StepSeries>();
        var heap = new List<(StepSeries S, double V)>();
        for (var i = 0; i < steps; i++)
        {
            foreach (var members in groups.Values)
            {
                heap.Clear();
                foreach (var s in members)
                {
                    if (!s.Present[i])
                        continue;
                    var x = s.Values[i];
                    if (all || heap.Count < k)
                        GoSort.HeapPush(heap, (s, x), less);
                    else if ((ascendingHeap ? heap[0].V < x : heap[0].V > x) || double.IsNaN(heap[0].V))
                    {
                        GoSort.HeapPop(heap, less);
                        GoSort.HeapPush(heap, (s, x), less);
                    }
                }
                GoSort.Sort(heap, reversed);
                foreach (var (s, x) in heap)
                {
                    if (!output.TryGetValue(s, out var o))
                    {
                        output[s] = o = new StepSeries(s.Labels, steps);
                        order.Add(o);
                    }
                    o.Set(i, x);
                }
            }
        }
        return order;
    }

    private static List<StepSeries> StableByLabels(List<StepSeries> input)
    {
        var indexed = new List<(StepSeries S, int I)>(input.Count);
        for (var i = 0; i < input.Count; i++)
            indexed.Add((input[i], i));
        indexed.Sort((a, b) =>
        {
            var c = a.S.Labels.CompareTo(b.S.Labels);
            return c != 0 ? c : a.I.CompareTo(b.I);
        });
        return indexed.ConvertAll(x => x.S);
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
                // A filtering comparison keeps the vector side's value (Loki issue 10741).
                if (StepResult(b, comparison, lv, rv, x) is not { } v)
                    continue;
                o ??= new StepSeries(s.Labels, steps);
                o.Set(i, v);
            }
            if (o != null)
                result.Add(o);
        }
        return result;
    }

    /// <summary>
    /// One step of an arithmetic or comparison operator: the arithmetic result; for a comparison with <c>bool</c> 1 or 0;
    /// for a filtering comparison <paramref name="kept"/> when it holds and null (the step is dropped) when it does not.
    /// </summary>
    private static double? StepResult(BinaryExpr b, bool comparison, double lv, double rv, double kept)
    {
        if (!comparison)
            return ScalarMath.Apply(b.Op, lv, rv, false);
        var ok = ScalarMath.Compare(b.Op, lv, rv);
        return b.ReturnBool ? (ok ? 1 : 0) : ok ? kept : null;
    }

    /// <summary>The series grouped by their matching signature (set operators allow many on either side).</summary>
    private static Dictionary<string, List<StepSeries>> BySignature(List<StepSeries> series, VectorMatching? m) =>
        GroupBy(series, s => Signature(s.Labels, m));

    /// <summary>Series grouped by a key, groups in the order their first series came.</summary>
    private static Dictionary<TKey, List<StepSeries>> GroupBy<TKey>(IEnumerable<StepSeries> series, Func<StepSeries, TKey> key) where TKey : notnull
    {
        var groups = new Dictionary<TKey, List<StepSeries>>();
        foreach (var s in series)
        {
            var k = key(s);
            if (!groups.TryGetValue(k, out var list))
                groups[k] = list = [];
            list.Add(s);
        }
        return groups;
    }

    private static bool PresentAt(List<StepSeries>? series, int step) => series != null && series.Exists(x => x.Present[step]);

    /// <summary>A copy of <paramref name="s"/> with only its present steps that <paramref name="keep"/> accepts; null when none is left.</summary>
    private StepSeries? StepsWhere(StepSeries s, Func<int, bool> keep)
    {
        var steps = ctx.Grid.Count;
        StepSeries? o = null;
        for (var i = 0; i < steps; i++)
        {
            if (!s.Present[i] || !keep(i))
                continue;
            o ??= new StepSeries(s.Labels, steps);
            o.Set(i, s.Values[i]);
        }
        return o;
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
                // and keeps the left steps that have a match on the right at that step; unless keeps the others.
                var rightSigs = BySignature(right, m);
                var result = new List<StepSeries>();
                foreach (var s in left)
                {
                    rightSigs.TryGetValue(Signature(s.Labels, m), out var matches);
                    if (StepsWhere(s, i => PresentAt(matches, i) == (b.Op == BinaryOp.And)) is { } o)
                        result.Add(o);
                }
                return result;
            }
            case BinaryOp.Or:
            {
                // or keeps every left series and adds the right steps no left series of their signature has.
                var leftSigs = BySignature(left, m);
                var result = new List<StepSeries>(left);
                foreach (var s in right)
                {
                    leftSigs.TryGetValue(Signature(s.Labels, m), out var matches);
                    if (StepsWhere(s, i => !PresentAt(matches, i)) is { } o)
                        result.Add(o);
                }
                return result;
            }
        }

        // Loki's vectorBinop, step by step: the right side (the left one for group_right) indexed by signature, which
        // must be unique there; then each left sample that matches; a match group may match once (one-to-one), or
        // each result label set may come once (group_left/group_right). Errors are Loki's texts (HTTP 500).
        var card = m?.Cardinality ?? MatchCardinality.OneToOne;
        var swapped = card == MatchCardinality.OneToMany;
        var (lhs, rhs) = swapped ? (right, left) : (left, right);
        var lhsSigs = lhs.ConvertAll(x => Signature(x.Labels, m));
        var rhsSigs = rhs.ConvertAll(x => Signature(x.Labels, m));
        var outputs = new Dictionary<Labels, StepSeries>();
        var order = new List<StepSeries>();
        var comparison = LogQLNames.IsComparison(b.Op);
        var rightIndex = new Dictionary<string, StepSeries>();
        var matched = new Dictionary<string, HashSet<Labels>?>();
        for (var i = 0; i < steps; i++)
        {
            rightIndex.Clear();
            matched.Clear();
            for (var k = 0; k < rhs.Count; k++)
            {
                if (!rhs[k].Present[i])
                    continue;
                if (!rightIndex.TryAdd(rhsSigs[k], rhs[k]))
                    throw new QueryExecutionException($"found duplicate series on the {(swapped ? "left" : "right")} hand-side;many-to-many matching not allowed: matching labels must be unique on one side");
            }
            for (var k = 0; k < lhs.Count; k++)
            {
                var s = lhs[k];
                if (!s.Present[i] || !rightIndex.TryGetValue(lhsSigs[k], out var match))
                    continue;
                var labels = ResultLabels(s.Labels, match.Labels, m, card);
                var exists = matched.TryGetValue(lhsSigs[k], out var inserted);
                if (card == MatchCardinality.OneToOne)
                {
                    if (exists)
                        throw new QueryExecutionException("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
                    matched[lhsSigs[k]] = null;
                }
                else
                {
                    if (!exists)
                        matched[lhsSigs[k]] = inserted = [];
                    if (!inserted!.Add(labels))
                        throw new QueryExecutionException("multiple matches for labels: grouping labels must ensure unique matches");
                }
                var (lv, rv) = swapped ? (match.Values[i], s.Values[i]) : (s.Values[i], match.Values[i]);
                if (StepResult(b, comparison, lv, rv, lv) is not { } v)
                    continue;
                if (!outputs.TryGetValue(labels, out var o))
                {
                    outputs[labels] = o = new StepSeries(labels, steps);
                    order.Add(o);
                }
                o.Set(i, v);
            }
        }
        return order;
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
            s.Labels = labels;
        }
        // Series that end up with the same labels stay apart (Loki does not check): a matrix shows both series'
        // points under one label set.
        return input;
    }
}
