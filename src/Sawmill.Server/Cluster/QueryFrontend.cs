using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Sawmill.Cluster.Ring;
using Sawmill.Core;
using Sawmill.LogQL;
using Sawmill.LogQL.Engine;
using Sawmill.LogQL.Syntax;
using Sawmill.Server.Api;

namespace Sawmill.Server.Cluster;

/// <summary>
/// A read node's query frontend (Loki's <c>split_queries_by_interval</c>): a range query longer than the split interval
/// is cut into step-aligned pieces of that length, run in parallel — up to <c>max_query_parallelism</c> at once — on the
/// healthy read nodes of the querier ring, this one included (each piece runs there on that node's cores), and the
/// pieces' results are joined. Metric pieces cover disjoint sets of steps, so their series are concatenated; log pieces
/// run newest-first (or oldest-first) in waves and stop once the limit is filled. Instant queries and short ranges run
/// here directly. A piece whose node fails is run here instead. Thread-safe.
/// </summary>
public sealed class QueryFrontend : IQueryEngine, IDisposable
{
    public const string SubqueryPath = "/querier/subquery";
    private readonly IQueryEngine _local;
    private readonly ClusterNode _node;
    private readonly TimeSpan _split;
    private readonly ILogger _logger;
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), MaxConnectionsPerServer = 64 })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };
    private int _next;

    public QueryFrontend(IQueryEngine local, ClusterNode node, TimeSpan splitInterval, ILogger logger)
    {
        _local = local;
        _node = node;
        _split = splitInterval;
        _logger = logger;
    }

    private static readonly Prometheus.Counter Pieces = Prometheus.Metrics.CreateCounter("sawmill_query_frontend_subqueries_total",
        "Pieces of split range queries, by where they ran: here (local) or on another read node (remote).", "where");

    public async Task<QueryResult> ExecuteAsync(string tenant, QueryParams query, QueryLimits limits, CancellationToken cancellationToken)
    {
        var length = query.EndNs - query.StartNs;
        var split = _split.Ticks * 100;
        if (query.Instant || split <= 0 || length <= split)
            return await _local.ExecuteAsync(tenant, query, limits, cancellationToken).ConfigureAwait(false);
        Expr expr;
        try
        {
            expr = LogQLParser.ParseExpr(query.Query);
        }
        catch (ParseException)
        {
            return await _local.ExecuteAsync(tenant, query, limits, cancellationToken).ConfigureAwait(false);
        }
        var started = System.Diagnostics.Stopwatch.StartNew();
        var result = expr is LogSelectorExpr
            ? await LogsAsync(tenant, query, limits, split, cancellationToken).ConfigureAwait(false)
            : await MetricAsync(tenant, query, limits, split, cancellationToken).ConfigureAwait(false);
        result.ExecTime = started.Elapsed;
        return result;
    }

    /// <summary>Volume queries run here (they are one pass over the index figures, not worth splitting).</summary>
    public Task<VolumeResult> VolumeAsync(string tenant, VolumeQuery query, QueryLimits limits, CancellationToken cancellationToken) =>
        _local.VolumeAsync(tenant, query, limits, cancellationToken);

    private async Task<QueryResult> MetricAsync(string tenant, QueryParams query, QueryLimits limits, long split, CancellationToken cancellationToken)
    {
        var step = query.StepNs > 0 ? query.StepNs : LogQLEngine.DefaultStepNs(query.StartNs, query.EndNs);
        var stepsPerPiece = Math.Max(1, split / step);
        var pieces = new List<QueryParams>();
        for (var k = 0L; query.StartNs + k * step <= query.EndNs; k += stepsPerPiece)
        {
            var start = query.StartNs + k * step;
            var end = Math.Min(query.EndNs, query.StartNs + (k + stepsPerPiece - 1) * step);
            pieces.Add(query with { StartNs = start, EndNs = end, StepNs = step });
        }
        if (pieces.Count <= 1)
            return await _local.ExecuteAsync(tenant, query, limits, cancellationToken).ConfigureAwait(false);
        var results = await RunAsync(tenant, pieces, limits, cancellationToken).ConfigureAwait(false);
        var stats = new QueryStatistics();
        var bySeries = new Dictionary<Labels, List<Point>>();
        foreach (var r in results)
        {
            QueryResultWire.AddStatistics(stats, r.Statistics);
            if (r is not MatrixResult m)
                throw new InvalidOperationException($"a piece of a range query returned {r.ResultType}");
            foreach (var s in m.Series)
            {
                if (!bySeries.TryGetValue(s.Labels, out var points))
                    bySeries[s.Labels] = points = [];
                points.AddRange(s.Points);
            }
        }
        if (limits.MaxQuerySeries > 0 && bySeries.Count > limits.MaxQuerySeries)
            throw new QueryLimitException($"maximum of series ({limits.MaxQuerySeries}) reached for a single query");
        var series = bySeries.Select(kv => new Series(kv.Key, kv.Value)).ToList();
        series.Sort((a, b) => a.Labels.CompareTo(b.Labels));
        return new MatrixResult(series) { Statistics = stats };
    }

    private async Task<QueryResult> LogsAsync(string tenant, QueryParams query, QueryLimits limits, long split, CancellationToken cancellationToken)
    {
        var pieces = new List<QueryParams>();
        for (var start = query.StartNs; start < query.EndNs; start += split)
            pieces.Add(query with { StartNs = start, EndNs = Math.Min(query.EndNs, start + split) });
        if (query.Direction == Direction.Backward)
            pieces.Reverse();
        var forward = query.Direction == Direction.Forward;
        var stats = new QueryStatistics();
        var entries = new List<(Labels Labels, ResultEntry Entry)>();
        var wave = Math.Max(1, Math.Min(limits.MaxQueryParallelism, 2 * Math.Max(1, Peers().Count)));
        for (var i = 0; i < pieces.Count; i += wave)
        {
            var results = await RunAsync(tenant, pieces.Skip(i).Take(wave).ToList(), limits, cancellationToken).ConfigureAwait(false);
            foreach (var r in results)
            {
                QueryResultWire.AddStatistics(stats, r.Statistics);
                foreach (var s in ((StreamsResult)r).Streams)
                    foreach (var e in s.Entries)
                        entries.Add((s.Labels, e));
            }
            // Pieces are disjoint in time and taken in query direction: once the limit is reached, later ones cannot
            // contribute.
            if (query.Limit > 0 && entries.Count >= query.Limit)
                break;
        }
        IEnumerable<(Labels Labels, ResultEntry Entry)> ordered = forward
            ? entries.OrderBy(e => e.Entry.TimestampNs)
            : entries.OrderByDescending(e => e.Entry.TimestampNs);
        if (query.Limit > 0)
            ordered = ordered.Take(query.Limit);
        var streams = new Dictionary<Labels, ResultStream>();
        foreach (var (labels, entry) in ordered)
        {
            if (!streams.TryGetValue(labels, out var s))
                streams[labels] = s = new ResultStream(labels, []);
            s.Entries.Add(entry);
        }
        var list = streams.Values.ToList();
        list.Sort((a, b) => a.Labels.CompareTo(b.Labels));
        return new StreamsResult(list) { Statistics = stats };
    }

    /// <summary>The healthy read nodes, this one included.</summary>
    private List<InstanceDesc> Peers()
    {
        var ring = _node.Readers?.Current;
        if (ring == null)
            return [];
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return ring.Instances.Where(i => i.IsHealthy(Operation.Read, ring.HeartbeatTimeout, now)).ToList();
    }

    /// <summary>Runs pieces in parallel (at most max_query_parallelism at once), spread over the read nodes round-robin.</summary>
    private async Task<QueryResult[]> RunAsync(string tenant, List<QueryParams> pieces, QueryLimits limits, CancellationToken cancellationToken)
    {
        var peers = Peers();
        var results = new QueryResult[pieces.Count];
        using var gate = new SemaphoreSlim(Math.Max(1, limits.MaxQueryParallelism));
        var first = Interlocked.Increment(ref _next);
        await Task.WhenAll(pieces.Select(async (piece, i) =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var target = peers.Count == 0 ? null : peers[(first + i) % peers.Count];
                results[i] = target == null || target.Id == _node.InstanceId
                    ? await RunLocalAsync(tenant, piece, limits, cancellationToken).ConfigureAwait(false)
                    : await RunRemoteAsync(target, tenant, piece, limits, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        return results;
    }

    private Task<QueryResult> RunLocalAsync(string tenant, QueryParams piece, QueryLimits limits, CancellationToken cancellationToken)
    {
        Pieces.WithLabels("local").Inc();
        return _local.ExecuteAsync(tenant, piece, limits, cancellationToken);
    }

    private async Task<QueryResult> RunRemoteAsync(InstanceDesc peer, string tenant, QueryParams piece, QueryLimits limits, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{peer.Addr}{SubqueryPath}")
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(new SubqueryRequest(piece.Query, piece.StartNs, piece.EndNs, piece.StepNs, piece.IntervalNs,
                piece.Direction == Direction.Forward ? "forward" : "backward", piece.Limit))),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(Hosting.TenantResolver.Header, tenant);
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if ((int)response.StatusCode == 400)
                throw new LogQLException(System.Text.Encoding.UTF8.GetString(body).Trim());
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException($"{(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body).Trim()}");
            Pieces.WithLabels("remote").Inc();
            return QueryResultWire.Read(body);
        }
        catch (HttpRequestException e)
        {
            _logger.LogWarning("sub-query on {Peer} failed ({Message}); running it here", peer.Addr, e.Message);
            return await RunLocalAsync(tenant, piece, limits, cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed record SubqueryRequest(string Query, long Start, long End, long Step, long Interval, string Direction, int Limit);

    /// <summary><c>POST /querier/subquery</c>: one piece of another frontend's query, run on this node's engine (never split again).</summary>
    public void Map(WebApplication app, Hosting.ServerContext ctx) =>
        app.MapPost(SubqueryPath, async (HttpContext http) =>
        {
            var tenant = http.Request.Headers[Hosting.TenantResolver.Header].ToString();
            foreach (var part in tenant.Split('|'))
                if (Tenant.Validate(part) is { } problem)
                    throw new ApiException(400, problem);
            var request = await JsonSerializer.DeserializeAsync<SubqueryRequest>(http.Request.Body, cancellationToken: http.RequestAborted)
                ?? throw new ApiException(400, "empty sub-query");
            var limits = QueryEndpoints.EngineLimits(ctx.Limits.For(tenant));
            QueryResult result;
            try
            {
                result = await _local.ExecuteAsync(tenant, new QueryParams
                {
                    Query = request.Query,
                    StartNs = request.Start,
                    EndNs = request.End,
                    StepNs = request.Step,
                    IntervalNs = request.Interval,
                    Direction = request.Direction == "forward" ? Direction.Forward : Direction.Backward,
                    Limit = request.Limit,
                }, limits, http.RequestAborted);
            }
            catch (LogQLException e)
            {
                throw new ApiException(400, e.Message);
            }
            http.Response.ContentType = "application/json";
            await http.Response.Body.WriteAsync(QueryResultWire.Write(result), http.RequestAborted);
        });

    public void Dispose() => _http.Dispose();
}
