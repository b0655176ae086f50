using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;
using Sawmill.LogQL.Log;
using Sawmill.LogQL.Syntax;

namespace Sawmill.LogQL.Engine;

/// <summary>
/// The LogQL engine over an <see cref="ILogReader"/>: log queries (select, pipeline, merge by time, limit) and metric
/// queries (range aggregations over step windows, vector aggregations, binary operators). Thread-safe: every query
/// has its own state. Honours cancellation and <see cref="QueryLimits.QueryTimeout"/>.
/// </summary>
public sealed class LogQLEngine : IQueryEngine
{
    private readonly ILogReader _reader;
    private readonly ILogger _logger;

    public LogQLEngine(ILogReader reader, ILogger<LogQLEngine>? logger = null)
    {
        _reader = reader;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public async Task<QueryResult> ExecuteAsync(string tenant, QueryParams query, QueryLimits limits, CancellationToken cancellationToken)
    {
        var expr = LogQLParser.ParseExpr(query.Query);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (limits.QueryTimeout > TimeSpan.Zero)
            cts.CancelAfter(limits.QueryTimeout);
        var sw = Stopwatch.StartNew();
        var stats = new QueryStatistics();
        // Evaluation is synchronous CPU/IO work: run it off the caller's thread.
        var result = await Task.Run(() => Execute(tenant, expr, query, limits, stats, cts.Token), cts.Token).ConfigureAwait(false);
        result.ExecTime = sw.Elapsed;
        _logger.LogDebug("query {Query} took {Elapsed}", query.Query, sw.Elapsed);
        return result;
    }

    public async Task<VolumeResult> VolumeAsync(string tenant, VolumeQuery query, QueryLimits limits, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (limits.QueryTimeout > TimeSpan.Zero)
            cts.CancelAfter(limits.QueryTimeout);
        return await Task.Run(() => VolumeEvaluator.Evaluate(_reader, tenant, query, limits, cts.Token), cts.Token).ConfigureAwait(false);
    }

    /// <summary>Synchronous evaluation of an already parsed query (tests and benchmarks call it directly).</summary>
    internal QueryResult Execute(string tenant, Expr expr, QueryParams query, QueryLimits limits, QueryStatistics stats, CancellationToken token)
    {
        if (expr is LogSelectorExpr log)
            return new StreamsResult(SelectLogs(tenant, log, query, limits, stats, token)) { Statistics = stats };
        var sample = (SampleExpr)expr;
        var instant = query.Instant || query.StepNs <= 0 && query.StartNs == query.EndNs;
        var step = instant ? 0 : query.StepNs > 0 ? query.StepNs : DefaultStepNs(query.StartNs, query.EndNs);
        var grid = instant ? new StepGrid(query.EndNs, query.EndNs, 0) : new StepGrid(query.StartNs, query.EndNs, step);
        if (!instant && limits.MaxPointsPerSeries > 0 && grid.Count > limits.MaxPointsPerSeries)
            throw new QueryLimitException("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)");
        var ctx = new EvalContext(tenant, grid, limits, stats, token);
        var value = new MetricEvaluator(_reader, ctx).Eval(sample);
        if (value.IsScalar)
        {
            if (instant)
                return new ScalarResult(grid.At(0) / TimeNs.PerMillisecond, value.Scalar) { Statistics = stats };
            var pts = new List<Point>(grid.Count);
            for (var i = 0; i < grid.Count; i++)
                pts.Add(new Point(grid.At(i) / TimeNs.PerMillisecond, value.Scalar));
            return new MatrixResult([new Series(Labels.Empty, pts)]) { Statistics = stats };
        }
        var series = value.Vector!;
        if (limits.MaxQuerySeries > 0 && series.Count > limits.MaxQuerySeries)
            throw ctx.SeriesLimitError();
        if (instant)
        {
            var samples = new List<Sample>(series.Count);
            foreach (var s in series)
                if (s.Present[0])
                    samples.Add(new Sample(s.Labels, grid.At(0) / TimeNs.PerMillisecond, s.Values[0]));
            SortInstant(sample, samples);
            return new VectorResult(samples) { Statistics = stats };
        }
        var matrix = new List<Series>(series.Count);
        foreach (var s in series)
        {
            var pts = new List<Point>();
            for (var i = 0; i < grid.Count; i++)
                if (s.Present[i])
                    pts.Add(new Point(grid.At(i) / TimeNs.PerMillisecond, s.Values[i]));
            if (pts.Count > 0)
                matrix.Add(new Series(s.Labels, pts));
        }
        matrix.Sort((a, b) => a.Labels.CompareTo(b.Labels));
        return new MatrixResult(matrix) { Statistics = stats };
    }

    /// <summary>Loki's default step: max(floor((end - start) / 250), 1s).</summary>
    public static long DefaultStepNs(long startNs, long endNs) =>
        Math.Max((endNs - startNs) / 250 / TimeNs.PerSecond * TimeNs.PerSecond, TimeNs.PerSecond);

    /// <summary>
    /// The labels the pipeline added to the entry (parsers, label_format): those of the result that are neither a
    /// stream label nor structured metadata with the same value. The HTTP API needs them apart for Loki's
    /// <c>categorize-labels</c> encoding. Null (no allocation) when the pipeline left the stream labels as they were.
    /// </summary>
    private static Label[]? ParsedLabels(Labels stream, Labels result, ReadOnlySpan<Label> metadata)
    {
        if (ReferenceEquals(stream, result) || stream.Equals(result))
            return null;
        List<Label>? list = null;
        foreach (var l in result.AsSpan())
        {
            if (stream.Get(l.Name) == l.Value)
                continue;
            var isMetadata = false;
            foreach (var m in metadata)
            {
                if (m.Name == l.Name && m.Value == l.Value)
                {
                    isMetadata = true;
                    break;
                }
            }
            if (!isMetadata)
                (list ??= []).Add(l);
        }
        return list?.ToArray();
    }

    private static void SortInstant(SampleExpr expr, List<Sample> samples)
    {
        switch (expr)
        {
            case VectorAggregationExpr { Op: VectorOp.Sort }:
                samples.Sort((a, b) => a.Value.CompareTo(b.Value));
                break;
            case VectorAggregationExpr { Op: VectorOp.SortDesc or VectorOp.TopK }:
                samples.Sort((a, b) => b.Value.CompareTo(a.Value));
                break;
            case VectorAggregationExpr { Op: VectorOp.BottomK }:
                samples.Sort((a, b) => a.Value.CompareTo(b.Value));
                break;
            default:
                samples.Sort((a, b) => a.Labels.CompareTo(b.Labels));
                break;
        }
    }

    // ------------------------------------------------------------------ log queries

    private List<ResultStream> SelectLogs(string tenant, LogSelectorExpr log, QueryParams query, QueryLimits limits, QueryStatistics stats, CancellationToken token)
    {
        var limit = query.Limit;
        if (limits.MaxEntriesLimitPerQuery > 0 && limit > limits.MaxEntriesLimitPerQuery)
            throw new QueryLimitException($"max entries limit per query exceeded, limit > max_entries_limit_per_query ({limit} > {limits.MaxEntriesLimitPerQuery})");
        var stages = PipelineCompiler.CompileStages(log.Stages);
        var pipeline = new Pipeline(stages);
        var pushed = pipeline.LeadingLineFilter;
        if (pushed != null)
            pipeline = new Pipeline(PipelineCompiler.CompileStages(log.Stages), null, skipLeadingLineFilters: true);
        var iterators = _reader.Select(new SelectRequest
        {
            Tenant = tenant,
            Matchers = log.Matchers.ToArray(),
            StartNs = query.StartNs,
            EndNs = query.EndNs,
            Direction = query.Direction,
            Fields = EntryFields.All,
            LineFilter = pushed,
            Implied = ImpliedConditions.Of(stages, unwrapLabel: null),
            Statistics = stats,
        }, token);
        // Streams are read in parallel (up to max_query_parallelism workers, each taking the next unread stream) into one
        // bounded top-`limit` set. A stream yields in query direction, so it stops at its first entry that could not
        // make the set any more: the work is about `limit` entries, not streams × limit.
        var top = new TopEntries(limit, query.Direction == Direction.Forward);
        var nextStream = -1;
        void Work()
        {
            int i;
            while ((i = Interlocked.Increment(ref nextStream)) < iterators.Count)
            {
                var it = iterators[i];
                var sp = pipeline.CreateStreamPipeline(it.Labels);
                var bound = top.Bound;
                var n = 0;
                while (it.Next())
                {
                    if ((++n & 1023) == 0)
                    {
                        token.ThrowIfCancellationRequested();
                        bound = top.Bound;
                    }
                    var key = new TopEntries.Key(it.TimestampNs, i, n);
                    if (bound is { } b && top.Worse(key, b))
                        break;
                    if (!sp.Process(it.TimestampNs, it.Line, it.Metadata, out var line))
                        continue;
                    var md = it.Metadata;
                    var entry = new ResultEntry(it.TimestampNs, Encoding.UTF8.GetString(line), md.IsEmpty ? null : md.ToArray(), ParsedLabels(it.Labels, sp.Labels, md));
                    if (!top.TryAdd(key, sp.Labels, entry, out bound))
                        break;
                }
            }
        }
        StreamWorkers.Run(iterators, limit <= 0 ? 1 : limits.MaxQueryParallelism, token, (_, _) => Work());
        var streams = new Dictionary<Labels, ResultStream>();
        foreach (var c in top.InOrder())
        {
            if (!streams.TryGetValue(c.Labels, out var s))
                streams[c.Labels] = s = new ResultStream(c.Labels, []);
            s.Entries.Add(c.Entry);
        }
        var list = streams.Values.ToList();
        list.Sort((a, b) => a.Labels.CompareTo(b.Labels));
        return list;
    }
}
