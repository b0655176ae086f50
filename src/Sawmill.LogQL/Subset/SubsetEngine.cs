using System.Diagnostics;
using System.Text;
using Sawmill.Core;
using Sawmill.LogQL.Engine;

namespace Sawmill.LogQL.Subset;

/// <summary>
/// Runs the LogQL subset of the foundation (selectors, line filters, count_over_time / rate / bytes_over_time /
/// bytes_rate, sum / count / avg / min / max by or without, numbers, vector(), arithmetic and comparisons) with
/// Loki's semantics: log queries merge streams by time in the asked direction and stop at the limit (end exclusive);
/// metric queries evaluate windows (t − range, t] at each step, in one pass per stream over timestamps (and lengths
/// for the bytes functions) without reading lines unless a line filter needs them.
/// </summary>
public sealed class SubsetEngine(ILogReader reader) : IQueryEngine
{
    public Task<QueryResult> ExecuteAsync(string tenant, QueryParams query, QueryLimits limits, CancellationToken cancellationToken) =>
        Task.Run(() => Execute(tenant, query, limits, cancellationToken), cancellationToken);

    private QueryResult Execute(string tenant, QueryParams q, QueryLimits limits, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        var expr = SubsetParser.Parse(q.Query);
        var stats = new QueryStatistics();
        QueryResult result;
        if (expr is LogExpr log)
        {
            if (q.Instant)
                throw new LogQLException("log queries are not supported as an instant query type, please change your query to a range query type");
            result = new StreamsResult(RunLog(tenant, log, q, stats, ct)) { Statistics = stats };
        }
        else
        {
            var steps = Steps(q);
            var value = Eval(tenant, expr, steps, limits, stats, ct);
            result = Shape(value, steps, q.Instant, stats);
        }
        result.ExecTime = sw.Elapsed;
        return result;
    }

    private List<ResultStream> RunLog(string tenant, LogExpr log, QueryParams q, QueryStatistics stats, CancellationToken ct)
    {
        var iterators = reader.Select(new SelectRequest
        {
            Tenant = tenant,
            Matchers = log.Matchers,
            StartNs = q.StartNs,
            EndNs = q.EndNs == q.StartNs ? q.EndNs + 1 : q.EndNs,
            Direction = q.Direction,
            Fields = EntryFields.All,
            LineFilter = log.Filters.Count > 0 ? new SubsetLineFilter(log.Filters) : null,
            Statistics = stats,
        }, ct);
        var forward = q.Direction == Direction.Forward;
        var heap = new PriorityQueue<IEntryIterator, (long, int)>();
        var order = 0;
        foreach (var it in iterators)
        {
            if (it.Next())
                heap.Enqueue(it, (forward ? it.TimestampNs : -it.TimestampNs, order++));
            else
                it.Dispose();
        }
        var streams = new Dictionary<Labels, ResultStream>();
        var taken = 0;
        try
        {
            while (taken < q.Limit && heap.TryDequeue(out var it, out _))
            {
                if ((taken & 1023) == 0)
                    ct.ThrowIfCancellationRequested();
                if (!streams.TryGetValue(it.Labels, out var stream))
                    streams[it.Labels] = stream = new ResultStream(it.Labels, []);
                var md = it.Metadata;
                stream.Entries.Add(new ResultEntry(it.TimestampNs, Encoding.UTF8.GetString(it.Line), md.IsEmpty ? null : md.ToArray()));
                taken++;
                if (it.Next())
                    heap.Enqueue(it, (forward ? it.TimestampNs : -it.TimestampNs, order++));
                else
                    it.Dispose();
            }
        }
        finally
        {
            while (heap.TryDequeue(out var rest, out _))
                rest.Dispose();
        }
        stats.AddPostFilterLines(taken);
        var list = streams.Values.ToList();
        list.Sort((a, b) => a.Labels.CompareTo(b.Labels));
        return list;
    }

    private static long[] Steps(QueryParams q)
    {
        if (q.Instant || q.StepNs <= 0)
            return [q.EndNs];
        var n = (q.EndNs - q.StartNs) / q.StepNs + 1;
        var steps = new long[n];
        for (var i = 0; i < n; i++)
            steps[i] = q.StartNs + i * q.StepNs;
        return steps;
    }

    private sealed class SeriesData(Labels labels, int n)
    {
        public Labels Labels { get; } = labels;
        public double[] Values { get; } = new double[n];
        public bool[] Present { get; } = new bool[n];
    }

    private abstract record Value;

    private sealed record ScalarValue(double[] Values) : Value;

    private sealed record VectorValue(List<SeriesData> Series) : Value;

    private Value Eval(string tenant, Expr expr, long[] steps, QueryLimits limits, QueryStatistics stats, CancellationToken ct)
    {
        switch (expr)
        {
            case NumberExpr n:
                return new ScalarValue(Enumerable.Repeat(n.Value, steps.Length).ToArray());
            case VectorFuncExpr v:
            {
                var s = new SeriesData(Labels.Empty, steps.Length);
                Array.Fill(s.Values, v.Value);
                Array.Fill(s.Present, true);
                return new VectorValue([s]);
            }
            case RangeAggExpr r:
                return new VectorValue(RangeAggregate(tenant, r, steps, limits, stats, ct));
            case VectorAggExpr a:
            {
                var inner = Eval(tenant, a.Inner, steps, limits, stats, ct);
                if (inner is not VectorValue vv)
                    throw new LogQLException($"parse error : unexpected type for left leg of binary operation ({a.Op}): literal");
                return new VectorValue(Aggregate(a, vv.Series, steps.Length));
            }
            case BinaryExpr b:
                return Binary(b, Eval(tenant, b.Left, steps, limits, stats, ct), Eval(tenant, b.Right, steps, limits, stats, ct), steps.Length);
            case LogExpr:
                throw new LogQLException("log queries cannot be used in metric queries; wrap the selector in a range aggregation such as count_over_time({…}[5m])");
            default:
                throw new LogQLException("unsupported expression");
        }
    }

    private List<SeriesData> RangeAggregate(string tenant, RangeAggExpr r, long[] steps, QueryLimits limits, QueryStatistics stats, CancellationToken ct)
    {
        var needBytes = r.Op is "bytes_over_time" or "bytes_rate";
        var first = steps[0] - r.OffsetNs - r.RangeNs;
        var last = steps[^1] - r.OffsetNs;
        var iterators = reader.Select(new SelectRequest
        {
            Tenant = tenant,
            Matchers = r.Log.Matchers,
            StartNs = first + 1,
            EndNs = last + 1,
            Direction = Direction.Forward,
            Fields = r.Log.Filters.Count > 0 ? EntryFields.Lines : needBytes ? EntryFields.LineLengths : EntryFields.Timestamps,
            LineFilter = r.Log.Filters.Count > 0 ? new SubsetLineFilter(r.Log.Filters) : null,
            Statistics = stats,
        }, ct);
        var result = new List<SeriesData>();
        var seconds = r.RangeNs / (double)TimeNs.PerSecond;
        foreach (var it in iterators)
        {
            using (it)
            {
                ct.ThrowIfCancellationRequested();
                var ts = new List<long>();
                var lens = new List<long>();
                while (it.Next())
                {
                    ts.Add(it.TimestampNs);
                    if (needBytes)
                        lens.Add(it.LineLength);
                }
                if (ts.Count == 0)
                    continue;
                if (result.Count >= limits.MaxQuerySeries)
                    throw new QueryLimitException($"maximum number of series ({limits.MaxQuerySeries}) reached for a single query; consider reducing query cardinality by adding more specific stream selectors, reducing the time range, or aggregating the query");
                var series = new SeriesData(it.Labels, steps.Length);
                // Two pointers: the window (t - range, t] slides forward with t.
                int lo = 0, hi = 0;
                long windowBytes = 0;
                for (var i = 0; i < steps.Length; i++)
                {
                    var t = steps[i] - r.OffsetNs;
                    while (hi < ts.Count && ts[hi] <= t)
                    {
                        if (needBytes)
                            windowBytes += lens[hi];
                        hi++;
                    }
                    while (lo < hi && ts[lo] <= t - r.RangeNs)
                    {
                        if (needBytes)
                            windowBytes -= lens[lo];
                        lo++;
                    }
                    var count = hi - lo;
                    if (count == 0)
                        continue;
                    series.Present[i] = true;
                    series.Values[i] = r.Op switch
                    {
                        "count_over_time" => count,
                        "rate" => count / seconds,
                        "bytes_over_time" => windowBytes,
                        _ => windowBytes / seconds,
                    };
                }
                result.Add(series);
            }
        }
        return result;
    }

    private static List<SeriesData> Aggregate(VectorAggExpr a, List<SeriesData> input, int n)
    {
        var groups = new Dictionary<Labels, (SeriesData Out, double[] Count)>();
        foreach (var s in input)
        {
            var key = GroupLabels(s.Labels, a.Grouping, a.Without);
            if (!groups.TryGetValue(key, out var g))
                groups[key] = g = (new SeriesData(key, n), new double[n]);
            for (var i = 0; i < n; i++)
            {
                if (!s.Present[i])
                    continue;
                var v = s.Values[i];
                if (!g.Out.Present[i])
                {
                    g.Out.Present[i] = true;
                    g.Out.Values[i] = a.Op == "count" ? 1 : v;
                    g.Count[i] = 1;
                    continue;
                }
                g.Count[i]++;
                g.Out.Values[i] = a.Op switch
                {
                    "sum" or "avg" => g.Out.Values[i] + v,
                    "count" => g.Out.Values[i] + 1,
                    "min" => Math.Min(g.Out.Values[i], v),
                    _ => Math.Max(g.Out.Values[i], v),
                };
            }
        }
        var result = new List<SeriesData>(groups.Count);
        foreach (var (s, count) in groups.Values)
        {
            if (a.Op == "avg")
                for (var i = 0; i < n; i++)
                    if (s.Present[i])
                        s.Values[i] /= count[i];
            result.Add(s);
        }
        return result;
    }

    private static Labels GroupLabels(Labels labels, IReadOnlyList<string>? grouping, bool without)
    {
        if (grouping == null)
            return without ? labels : Labels.Empty;
        var b = new List<Label>();
        foreach (var l in labels.AsSpan())
        {
            var listed = grouping.Contains(l.Name);
            if (listed != without)
                b.Add(l);
        }
        return Labels.From(b);
    }

    private static Value Binary(BinaryExpr b, Value left, Value right, int n)
    {
        if (left is ScalarValue ls && right is ScalarValue rs)
        {
            var values = new double[n];
            for (var i = 0; i < n; i++)
            {
                var (v, keep) = Apply(b.Op, ls.Values[i], rs.Values[i]);
                values[i] = IsComparison(b.Op) ? (keep ? 1 : 0) : v;
            }
            return new ScalarValue(values);
        }
        if (left is VectorValue lv && right is ScalarValue rsv)
            return new VectorValue(lv.Series.Select(s => Combine(b, s, i => (s.Values[i], rsv.Values[i]), i => s.Present[i], n, keepLeft: true)).ToList());
        if (left is ScalarValue lsv && right is VectorValue rv)
            return new VectorValue(rv.Series.Select(s => Combine(b, s, i => (lsv.Values[i], s.Values[i]), i => s.Present[i], n, keepLeft: false)).ToList());
        var l = (VectorValue)left;
        var r = (VectorValue)right;
        var byLabels = new Dictionary<Labels, SeriesData>();
        foreach (var s in r.Series)
            byLabels[s.Labels] = s;
        var result = new List<SeriesData>();
        foreach (var s in l.Series)
        {
            if (!byLabels.TryGetValue(s.Labels, out var other))
                continue;
            result.Add(Combine(b, s, i => (s.Values[i], other.Values[i]), i => s.Present[i] && other.Present[i], n, keepLeft: true));
        }
        return new VectorValue(result);
    }

    private static SeriesData Combine(BinaryExpr b, SeriesData s, Func<int, (double L, double R)> values, Func<int, bool> present, int n, bool keepLeft)
    {
        var output = new SeriesData(s.Labels, n);
        for (var i = 0; i < n; i++)
        {
            if (!present(i))
                continue;
            var (lv, rv) = values(i);
            var (v, keep) = Apply(b.Op, lv, rv);
            if (IsComparison(b.Op))
            {
                if (b.ReturnBool)
                {
                    output.Present[i] = true;
                    output.Values[i] = keep ? 1 : 0;
                }
                else if (keep)
                {
                    output.Present[i] = true;
                    output.Values[i] = keepLeft ? lv : rv;
                }
                continue;
            }
            output.Present[i] = true;
            output.Values[i] = v;
        }
        return output;
    }

    private static bool IsComparison(string op) => op is "==" or "!=" or ">" or "<" or ">=" or "<=";

    private static (double Value, bool Keep) Apply(string op, double l, double r) => op switch
    {
        "+" => (l + r, true),
        "-" => (l - r, true),
        "*" => (l * r, true),
        "/" => (l / r, true),
        "%" => (l % r, true),
        "^" => (Math.Pow(l, r), true),
        "==" => (0, l == r),
        "!=" => (0, l != r),
        ">" => (0, l > r),
        "<" => (0, l < r),
        ">=" => (0, l >= r),
        _ => (0, l <= r),
    };

    private static QueryResult Shape(Value value, long[] steps, bool instant, QueryStatistics stats)
    {
        var stepsMs = steps.Select(s => s / TimeNs.PerMillisecond).ToArray();
        if (value is ScalarValue sc)
        {
            if (instant)
                return new ScalarResult(stepsMs[0], sc.Values[0]) { Statistics = stats };
            var points = new List<Point>(steps.Length);
            for (var i = 0; i < steps.Length; i++)
                points.Add(new Point(stepsMs[i], sc.Values[i]));
            return new MatrixResult([new Series(Labels.Empty, points)]) { Statistics = stats };
        }
        var series = ((VectorValue)value).Series;
        series.Sort((a, b) => a.Labels.CompareTo(b.Labels));
        if (instant)
        {
            var samples = new List<Sample>();
            foreach (var s in series)
                if (s.Present[0])
                    samples.Add(new Sample(s.Labels, stepsMs[0], s.Values[0]));
            return new VectorResult(samples) { Statistics = stats };
        }
        var matrix = new List<Series>();
        foreach (var s in series)
        {
            var points = new List<Point>();
            for (var i = 0; i < steps.Length; i++)
                if (s.Present[i])
                    points.Add(new Point(stepsMs[i], s.Values[i]));
            if (points.Count > 0)
                matrix.Add(new Series(s.Labels, points));
        }
        return new MatrixResult(matrix) { Statistics = stats };
    }
}
