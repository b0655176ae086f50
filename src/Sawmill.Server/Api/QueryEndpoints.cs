using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.Server.Config;
using Sawmill.Server.Hosting;
using Sawmill.Server.Telemetry;
using Sawmill.GoCompat;
using Sawmill.LogQL;

namespace Sawmill.Server.Api;

/// <summary>
/// <c>/loki/api/v1/query_range</c> and <c>/loki/api/v1/query</c> (GET or POST form), with Loki's parameter rules,
/// limits and error texts. The query runs under the tenant's <c>query_timeout</c> (504) and stops when the client goes
/// away (499).
/// </summary>
public static class QueryEndpoints
{
    public const int MaxPointsPerSeries = 11_000;

    public static void Map(WebApplication app, ServerContext ctx)
    {
        foreach (var path in new[] { "/loki/api/v1/query_range", "/api/prom/query" })
            app.MapMethods(path, ["GET", "POST"], (HttpContext http) => RangeAsync(http, ctx));
        app.MapMethods("/loki/api/v1/query", ["GET", "POST"], (HttpContext http) => InstantAsync(http, ctx));
    }

    private static async Task RangeAsync(HttpContext http, ServerContext ctx)
    {
        var tenant = QueryTenant(http, ctx);
        var limits = ctx.Limits.For(tenant);
        var p = await RequestParams.ReadAsync(http.Request, http.RequestAborted);
        var query = Query(p);
        var end = p.Time("end", TimeNs.Now());
        var since = p.Get("since") is { Length: > 0 } s ? RequestParams.ParseSecondsOrDuration(s, "since") : TimeNs.PerHour;
        var start = p.Time("start", end - since);
        if (end < start)
            throw new ApiException(400, "end timestamp must not be before or equal to start time");
        var limit = p.Limit(100);
        var step = p.Get("step") is { Length: > 0 } st ? RequestParams.ParseSecondsOrDuration(st, "step") : DefaultStep(start, end);
        if (step <= 0)
            throw new ApiException(400, "zero or negative query resolution step widths are not accepted. Try a positive integer");
        if ((end - start) / step > MaxPointsPerSeries)
            throw new ApiException(400, "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)");
        var interval = p.Get("interval") is { Length: > 0 } iv ? RequestParams.ParseSecondsOrDuration(iv, "interval") : 0;
        if (interval < 0)
            throw new ApiException(400, "negative query interval widths are not accepted. Try a positive integer");
        CheckLimits(limits, limit, start, end);
        var qp = new QueryParams
        {
            Query = query,
            StartNs = start,
            EndNs = end,
            StepNs = step,
            IntervalNs = interval,
            Direction = p.Direction(),
            Limit = limit,
        };
        await RunAsync(http, ctx, tenant, limits, qp);
    }

    private static async Task InstantAsync(HttpContext http, ServerContext ctx)
    {
        var tenant = QueryTenant(http, ctx);
        var limits = ctx.Limits.For(tenant);
        var p = await RequestParams.ReadAsync(http.Request, http.RequestAborted);
        var query = Query(p);
        try
        {
            if (Sawmill.LogQL.Syntax.LogQLParser.ParseExpr(query) is Sawmill.LogQL.Syntax.LogSelectorExpr)
                throw new ApiException(400, "log queries are not supported as an instant query type, please change your query to a range query type");
        }
        catch (LogQLException e)
        {
            throw new ApiException(400, e.Message);
        }
        var time = p.Time("time", TimeNs.Now());
        var limit = p.Limit(100);
        CheckLimits(limits, limit, time, time);
        var qp = new QueryParams
        {
            Query = query,
            StartNs = time,
            EndNs = time,
            Direction = p.Direction(),
            Limit = limit,
            Instant = true,
        };
        await RunAsync(http, ctx, tenant, limits, qp);
    }

    private static string QueryTenant(HttpContext http, ServerContext ctx)
    {
        var tenants = TenantResolver.Resolve(http, ctx.Config.AuthEnabled);
        if (tenants.Count > 1)
        {
            if (!ctx.Config.MultiTenantQueriesEnabled)
                throw new ApiException(400, "multi-tenant queries are disabled; set querier.multi_tenant_queries_enabled: true");
            return string.Join('|', tenants);
        }
        return tenants[0];
    }

    private static string Query(RequestParams p)
    {
        var q = p.Get("query");
        if (string.IsNullOrWhiteSpace(q))
            throw new ApiException(400, "query parameter is required");
        return q;
    }

    /// <summary>Loki's default step: the range divided into 250 points, at least one second.</summary>
    public static long DefaultStep(long startNs, long endNs) =>
        Math.Max((long)Math.Floor((endNs - startNs) / (double)TimeNs.PerSecond / 250), 1) * TimeNs.PerSecond;

    private static void CheckLimits(LimitsConfig limits, int limit, long start, long end)
    {
        if (limits.MaxEntriesLimitPerQuery > 0 && limit > limits.MaxEntriesLimitPerQuery)
            throw new ApiException(400, $"max entries limit per query exceeded, limit > max_entries_limit_per_query ({limit} > {limits.MaxEntriesLimitPerQuery})");
        var length = TimeSpan.FromTicks((end - start) / 100);
        if (limits.MaxQueryLength > TimeSpan.Zero && length > limits.MaxQueryLength)
            throw new ApiException(400, $"the query time range exceeds the limit (query length: {GoDuration.Format((end - start) / TimeNs.PerMillisecond * TimeNs.PerMillisecond)}, limit: {GoDuration.Format(limits.MaxQueryLength.Ticks * 100)})");
    }

    internal static QueryLimits EngineLimits(LimitsConfig l) => new()
    {
        MaxEntriesLimitPerQuery = l.MaxEntriesLimitPerQuery,
        MaxQuerySeries = l.MaxQuerySeries,
        MaxQueryLength = l.MaxQueryLength,
        MaxQueryLookback = l.MaxQueryLookback,
        MaxQueryParallelism = l.MaxQueryParallelism,
        QueryTimeout = l.QueryTimeout,
        MaxStreamsMatchersPerQuery = l.MaxStreamsMatchersPerQuery,
    };

    private static async Task RunAsync(HttpContext http, ServerContext ctx, string tenant, LimitsConfig limits, QueryParams qp)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var result = await RunEngineAsync(http, tenant, limits, token => ctx.Engine.ExecuteAsync(tenant, qp, EngineLimits(limits), token));
        if (qp.Instant && result is StreamsResult)
        {
            // Loki 3.x answers log queries on /query with this error whatever the engine would return.
            ServerMetrics.QueriesTotal.WithLabels(tenant, "log", "error").Inc();
            throw new ApiException(400, "log queries are not supported as an instant query type, please change your query to a range query type");
        }
        if (result.ExecTime == TimeSpan.Zero)
            result.ExecTime = started.Elapsed;
        long returned = result is StreamsResult sr ? sr.Streams.Sum(s => (long)s.Entries.Count) : 0;
        ServerMetrics.QueriesTotal.WithLabels(tenant, result is StreamsResult ? "log" : "metric", "success").Inc();
        ServerMetrics.QueryBytesProcessed.WithLabels(tenant).Inc(result.Statistics.DecompressedBytes + result.Statistics.HeadBytes);
        var categorize = http.Request.Headers["X-Loki-Response-Encoding-Flags"].ToString()
            .Split(',', StringSplitOptions.TrimEntries).Contains("categorize-labels");
        if (categorize)
            http.Response.Headers["X-Loki-Response-Encoding-Flags"] = "categorize-labels";
        ExploreQueryTags.LogQuery(ctx.LoggerFactory.CreateLogger("metrics"), http.Request, tenant, qp.Query, qp.Instant ? "instant" : "range", qp.EndNs - qp.StartNs, qp.StepNs,
            started.Elapsed, 200, qp.Limit, returned, result.Statistics.DecompressedBytes + result.Statistics.HeadBytes);
        await JsonResponses.WriteAsync(http.Response, w => QueryResultWriter.Write(w, result, categorize, returned, qp.Direction), http.RequestAborted);
    }

    /// <summary>
    /// Runs engine work for a request, as every query-like endpoint does: under the tenant's <c>query_timeout</c> (504
    /// with Loki's text), stopped when the client goes away, query errors (parse, limits) answered 400. Counted in
    /// <c>sawmill_queries_total</c> when it fails.
    /// </summary>
    internal static async Task<T> RunEngineAsync<T>(HttpContext http, string tenant, LimitsConfig limits, Func<CancellationToken, Task<T>> work)
    {
        using var timeout = new CancellationTokenSource(limits.QueryTimeout > TimeSpan.Zero ? limits.QueryTimeout : Timeout.InfiniteTimeSpan);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, http.RequestAborted);
        try
        {
            return await work(linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !http.RequestAborted.IsCancellationRequested)
        {
            ServerMetrics.QueriesTotal.WithLabels(tenant, "unknown", "timeout").Inc();
            throw new ApiException(504, $"context deadline exceeded: the query ran longer than the query timeout ({GoDuration.Format(limits.QueryTimeout.Ticks * 100)})");
        }
        catch (LogQLException e)
        {
            ServerMetrics.QueriesTotal.WithLabels(tenant, "unknown", "error").Inc();
            throw new ApiException(400, e.Message);
        }
    }

    internal static string Seconds(long ns) => (ns / (double)TimeNs.PerSecond).ToString(CultureInfo.InvariantCulture);
}
