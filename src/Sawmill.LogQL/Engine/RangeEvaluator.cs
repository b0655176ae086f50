using System.Collections.Concurrent;
using Sawmill.Core;
using Sawmill.LogQL.Log;
using Sawmill.LogQL.Syntax;
using Sawmill.GoCompat;

namespace Sawmill.LogQL.Engine;

/// <summary>
/// Evaluates one range aggregation at every step: one pass over the entries of each selected stream collects
/// (timestamp, value) samples per output series (labels after the pipeline and the grouping), then a window
/// (t - offset - range, t - offset] slides over each series' sorted samples with two pointers.
/// Streams are split across up to <see cref="QueryLimits.MaxQueryParallelism"/> workers.
/// </summary>
internal sealed class RangeEvaluator(ILogReader reader, EvalContext ctx)
{
    /// <param name="pushdown">Outer <c>sum by/without</c> grouping that may be applied early (Loki's injection).</param>
    public List<StepSeries> Evaluate(RangeAggregationExpr r, Grouping? pushdown)
    {
        var range = r.Range;
        var grid = ctx.Grid;
        var grouping = r.Grouping ?? pushdown;
        var selector = range.Selector;
        var stages = PipelineCompiler.CompileStages(selector.Stages);
        var unwrap = range.Unwrap;
        var hasPipeline = stages.Count > 0 || unwrap != null;

        var fields = EntryFields.All;
        if (!hasPipeline)
            fields = r.Op is RangeOp.BytesOverTime or RangeOp.BytesRate ? EntryFields.LineLengths : EntryFields.Timestamps;

        HashSet<string>? needed = null;
        if (grouping is { Without: false })
        {
            needed = new HashSet<string>(grouping.Labels, StringComparer.Ordinal) { "__error__", "__error_details__" };
            if (unwrap != null)
                needed.Add(unwrap.Label);
        }
        var pipeline = new Pipeline(stages, needed, skipLeadingLineFilters: false);
        var pushed = pipeline.LeadingLineFilter;
        if (pushed != null)
            pipeline = new Pipeline(PipelineCompiler.CompileStages(selector.Stages), needed, skipLeadingLineFilters: true);
        var postFilters = unwrap?.PostFilters.Select(PipelineCompiler.CompileLabelFilter).ToArray() ?? [];
        var conversion = unwrap?.Conversion ?? UnwrapConversion.None;

        // Window bounds over all steps: the earliest window opens after first - offset - range.
        var selectStart = grid.StartNs - range.OffsetNs - range.RangeNs + 1;
        var selectEnd = grid.EndNs - range.OffsetNs + 1;
        var iterators = reader.Select(new SelectRequest
        {
            Tenant = ctx.Tenant,
            Matchers = selector.Matchers.ToArray(),
            StartNs = selectStart,
            EndNs = selectEnd,
            Direction = Direction.Forward,
            Fields = fields,
            LineFilter = pushed,
            Implied = ImpliedConditions.Of(stages, unwrap?.Label),
            Statistics = ctx.Statistics,
        }, ctx.Token);

        var bytesOp = r.Op is RangeOp.BytesOverTime or RangeOp.BytesRate;
        if (!hasPipeline && StepCounter.Supports(r.Op) && (long)iterators.Count * StepCounter.Footprint(grid, bytesOp) <= StepCounterBudget)
            return CountSteps(r, grouping, iterators, bytesOp);

        // With a pipeline, count/rate/bytes still count straight into steps, one counter per output series; the series
        // limit is enforced while counting (at twice the limit per worker: a series without points in any window would
        // not count at the end), which bounds the counters' memory.
        var maxSeries = ctx.Limits.MaxQuerySeries;
        var useCounters = unwrap == null && StepCounter.Supports(r.Op) && maxSeries > 0 && 2L * maxSeries * StepCounter.Footprint(grid, bytesOp) <= StepCounterBudget * 4;
        var counters = new Dictionary<Labels, StepCounter>();
        var series = new ConcurrentDictionary<Labels, SampleBuffer>();
        var labelCache = new ConcurrentDictionary<Labels, Labels>();
        var byNames = grouping is { Without: false } ? grouping.Labels.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray() : null;
        void Work(int w, int workers)
        {
            var local = new Dictionary<Labels, SampleBuffer>();
            var localCounters = useCounters ? new Dictionary<Labels, StepCounter>() : null;
            for (var i = w; i < iterators.Count; i += workers)
            {
                var it = iterators[i];
                if (!hasPipeline)
                {
                    var lbs = labelCache.GetOrAdd(it.Labels, l => Group(l, grouping));
                    if (!local.TryGetValue(lbs, out var buf))
                        local[lbs] = buf = new SampleBuffer();
                    var n = 0;
                    var bytes = r.Op is RangeOp.BytesOverTime or RangeOp.BytesRate;
                    while (it.Next())
                    {
                        if ((++n & 4095) == 0)
                            ctx.Token.ThrowIfCancellationRequested();
                        buf.Add(it.TimestampNs, bytes ? it.LineLength : 1);
                    }
                    continue;
                }
                var sp = pipeline.CreateStreamPipeline(it.Labels);
                var groupCache = new Dictionary<Labels, Labels>();
                var byKeys = byNames == null ? null : new GroupKeyCache(byNames);
                var count = 0;
                while (it.Next())
                {
                    if ((++count & 4095) == 0)
                        ctx.Token.ThrowIfCancellationRequested();
                    var line = it.Line;
                    if (!sp.Process(it.TimestampNs, line, it.Metadata, out _))
                        continue;
                    var value = 1.0;
                    if (unwrap != null)
                    {
                        var entry = sp.Entry;
                        // Fast path: a plain number the parser left as UTF-8 converts without creating a string.
                        if (conversion == UnwrapConversion.None && entry.TryGetUtf8(unwrap.Label, out var raw) &&
                            System.Text.Ascii.IsValid(raw) && GoFloat.TryParse(raw, out value))
                        {
                        }
                        else if (entry.Get(unwrap.Label) is not { Length: > 0 } s)
                            continue;
                        else if (!UnwrapValue.TryConvert(s, conversion, out value, out var err))
                        {
                            value = 0;
                            if (entry.Error == null)
                                entry.SetError("SampleExtractionErr", err);
                        }
                        var keep = true;
                        foreach (var f in postFilters)
                        {
                            if (!f.Matches(entry))
                            {
                                keep = false;
                                break;
                            }
                        }
                        if (!keep)
                            continue;
                    }
                    else if (r.Op is RangeOp.BytesOverTime or RangeOp.BytesRate)
                    {
                        value = line.Length;
                    }
                    Labels key;
                    if (sp.Entry.Error != null)
                        key = sp.Labels; // like Loki, grouping never hides an error: the series keeps its __error__
                    else if (byKeys != null)
                        key = byKeys.Get(sp.Entry); // `by (…)`: read only the grouping labels, never build the full set
                    else
                    {
                        var full = sp.Labels;
                        if (!groupCache.TryGetValue(full, out key!))
                        {
                            key = Group(full, grouping);
                            if (groupCache.Count < 4096) // bounded: label sets unique per entry must not pile up
                                groupCache[full] = key;
                        }
                    }
                    if (localCounters != null)
                    {
                        if (!localCounters.TryGetValue(key, out var counter))
                        {
                            if (localCounters.Count >= 2 * maxSeries)
                                throw ctx.SeriesLimitError();
                            localCounters[key] = counter = new StepCounter(grid, range.RangeNs, range.OffsetNs, bytesOp);
                        }
                        counter.Add(it.TimestampNs, line.Length);
                        continue;
                    }
                    if (!local.TryGetValue(key, out var b))
                        local[key] = b = new SampleBuffer();
                    b.Add(it.TimestampNs, value);
                }
            }
            foreach (var (k, v) in local)
            {
                // The first worker to finish a series hands its arrays over; later ones append to them.
                var target = series.GetOrAdd(k, static _ => new SampleBuffer());
                lock (target)
                    target.Take(v);
                v.Dispose();
            }
            if (localCounters != null)
                StreamWorkers.Merge(localCounters, counters);
        }
        var result = new List<StepSeries>(series.Count);
        try
        {
            StreamWorkers.Run(iterators, ctx.Limits.MaxQueryParallelism, ctx.Token, Work);

            if (r.Op == RangeOp.AbsentOverTime)
                return Absent(r, series.Values.ToList());
            if (useCounters)
                return CounterSeries(r, counters);

            // Series are windowed in parallel (each is independent); a series counts against the limit once it has a
            // point, and the work stops as soon as the limit is exceeded.
            var all = series.ToArray();
            var windowed = new StepSeries?[all.Length];
            var next = -1;
            var produced = 0;
            StreamWorkers.ForEachWorker(all.Length, ctx.Limits.MaxQueryParallelism, ctx.Token, (_, _) =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < all.Length)
                {
                    if (maxSeries > 0 && Volatile.Read(ref produced) > maxSeries)
                        return;
                    var (labels, buf) = all[i];
                    buf.Sort();
                    windowed[i] = Windows(r, labels, buf);
                    buf.Dispose();
                    if (windowed[i] != null)
                        Interlocked.Increment(ref produced);
                }
            });
            if (maxSeries > 0 && produced > maxSeries)
                throw ctx.SeriesLimitError();
            foreach (var s in windowed)
                if (s != null)
                    result.Add(s);
        }
        finally
        {
            // Pooled sample arrays go back whatever happened (a worker that failed leaves its local buffers to the GC).
            foreach (var buf in series.Values)
                buf.Dispose();
        }
        foreach (var s in result)
        {
            var err = s.Labels.Get("__error__");
            if (!string.IsNullOrEmpty(err))
                throw PipelineError(err, s.Labels);
        }
        return result;
    }

    /// <summary>Memory the step counters of one query may take (one per stream in the worst case, per worker).</summary>
    private const long StepCounterBudget = 64L << 20;

    /// <summary>The no-pipeline count/rate/bytes path: entries counted straight into steps (<see cref="StepCounter"/>).</summary>
    private List<StepSeries> CountSteps(RangeAggregationExpr r, Grouping? grouping, IReadOnlyList<IEntryIterator> iterators, bool bytesOp)
    {
        var grid = ctx.Grid;
        var merged = new Dictionary<Labels, StepCounter>();
        void Work(int w, int workers)
        {
            var local = new Dictionary<Labels, StepCounter>();
            for (var i = w; i < iterators.Count; i += workers)
            {
                var it = iterators[i];
                var key = Group(it.Labels, grouping);
                if (!local.TryGetValue(key, out var counter))
                    local[key] = counter = new StepCounter(grid, r.Range.RangeNs, r.Range.OffsetNs, bytesOp);
                var n = 0;
                while (it.Next())
                {
                    if ((++n & 4095) == 0)
                        ctx.Token.ThrowIfCancellationRequested();
                    counter.Add(it.TimestampNs, bytesOp ? it.LineLength : 0);
                }
            }
            StreamWorkers.Merge(local, merged);
        }
        StreamWorkers.Run(iterators, ctx.Limits.MaxQueryParallelism, ctx.Token, Work);
        return CounterSeries(r, merged);
    }

    /// <summary>The series of step counters, with the series limit and Loki's pipeline-error check.</summary>
    private List<StepSeries> CounterSeries(RangeAggregationExpr r, Dictionary<Labels, StepCounter> counters)
    {
        var result = new List<StepSeries>(counters.Count);
        foreach (var (labels, counter) in counters)
        {
            if (counter.ToSeries(labels, r.Op) is { } s)
                result.Add(s);
            if (result.Count > ctx.Limits.MaxQuerySeries && ctx.Limits.MaxQuerySeries > 0)
                throw ctx.SeriesLimitError();
        }
        foreach (var s in result)
        {
            var err = s.Labels.Get("__error__");
            if (!string.IsNullOrEmpty(err))
                throw PipelineError(err, s.Labels);
        }
        return result;
    }

    public static LogQLException PipelineError(string err, Labels labels) => new(
        $"pipeline error: '{err}' for series: '{labels}'.\nUse a label filter to intentionally skip this error. (e.g | __error__!=\"{err}\").\n" +
        "To skip all potential errors you can match empty errors.(e.g __error__=\"\")\nThe label filter can also be specified after unwrap. (e.g | unwrap latency | __error__=\"\" )\n");

    private static Labels Group(Labels labels, Grouping? g)
    {
        if (g == null)
            return labels;
        var list = new List<Label>();
        foreach (var l in labels.AsSpan())
        {
            var listed = false;
            foreach (var name in g.Labels)
            {
                if (name == l.Name)
                {
                    listed = true;
                    break;
                }
            }
            if (listed != g.Without)
                list.Add(l);
        }
        return list.Count == labels.Count ? labels : Labels.FromSorted(list.ToArray());
    }

    private StepSeries? Windows(RangeAggregationExpr r, Labels labels, SampleBuffer buf)
    {
        var grid = ctx.Grid;
        var ts = buf.Timestamps;
        var vs = buf.Values;
        var rangeNs = r.Range.RangeNs;
        var offset = r.Range.OffsetNs;
        StepSeries? result = null;
        int lo = 0, hi = 0;
        double sum = 0;
        var additive = r.Op is RangeOp.Rate or RangeOp.BytesRate or RangeOp.BytesOverTime or RangeOp.SumOverTime or RangeOp.CountOverTime;
        for (var i = 0; i < grid.Count; i++)
        {
            var end = grid.At(i) - offset;
            var start = end - rangeNs;
            // window (start, end]; steps are ascending so both pointers only move forward
            while (hi < ts.Length && ts[hi] <= end)
            {
                if (additive)
                    sum += vs[hi];
                hi++;
            }
            while (lo < hi && ts[lo] <= start)
            {
                if (additive)
                    sum -= vs[lo];
                lo++;
            }
            if (hi <= lo)
                continue;
            if (additive && hi - lo < 64)
            {
                // re-sum small windows exactly to avoid drift from incremental subtraction
                sum = 0;
                for (var k = lo; k < hi; k++)
                    sum += vs[k];
            }
            var v = RangeFunctions.Apply(r.Op, ts[lo..hi], vs[lo..hi], sum, rangeNs, r.Parameter, start, end);
            result ??= new StepSeries(labels, grid.Count);
            result.Set(i, v);
        }
        return result;
    }

    /// <summary>absent_over_time: 1 at steps where no series has a sample, labelled with the selector's equality matchers.</summary>
    private List<StepSeries> Absent(RangeAggregationExpr r, List<SampleBuffer> buffers)
    {
        var grid = ctx.Grid;
        var labels = new List<Label>();
        foreach (var m in r.Range.Selector.Matchers)
            if (m.Type == MatchType.Equal && labels.TrueForAll(l => l.Name != m.Name))
                labels.Add(new Label(m.Name, m.Value));
        var s = new StepSeries(Labels.From(labels), grid.Count);
        foreach (var b in buffers)
            b.Sort();
        var any = false;
        for (var i = 0; i < grid.Count; i++)
        {
            var end = grid.At(i) - r.Range.OffsetNs;
            var start = end - r.Range.RangeNs;
            var found = false;
            foreach (var b in buffers)
            {
                var t = b.Timestamps;
                var idx = LowerBoundAfter(t, start);
                if (idx < t.Length && t[idx] <= end)
                {
                    found = true;
                    break;
                }
            }
            if (!found)
            {
                s.Set(i, 1);
                any = true;
            }
        }
        return any ? [s] : [];
    }

    private static int LowerBoundAfter(ReadOnlySpan<long> t, long start)
    {
        int lo = 0, hi = t.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (t[mid] <= start)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
}
