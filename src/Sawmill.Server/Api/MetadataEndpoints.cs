using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sawmill.Core;
using Sawmill.Server.Hosting;

namespace Sawmill.Server.Api;

/// <summary>
/// Label names and values, series and index stats (<c>/loki/api/v1/labels</c>, <c>/label/{name}/values</c>,
/// <c>/series</c>, <c>/index/stats</c>) plus their <c>/api/prom</c> aliases. GET and POST (form) both work.
/// Times default to the last 6 hours as in Loki.
/// </summary>
public static class MetadataEndpoints
{
    private static readonly TimeSpan DefaultSince = TimeSpan.FromHours(6);

    public static void Map(WebApplication app, ServerContext ctx)
    {
        foreach (var path in new[] { "/loki/api/v1/labels", "/loki/api/v1/label", "/api/prom/label" })
            app.MapMethods(path, ["GET", "POST"], (HttpContext http) => LabelsAsync(http, ctx));
        foreach (var path in new[] { "/loki/api/v1/label/{name}/values", "/api/prom/label/{name}/values" })
            app.MapMethods(path, ["GET", "POST"], (HttpContext http, string name) => ValuesAsync(http, ctx, name));
        foreach (var path in new[] { "/loki/api/v1/series", "/api/prom/series" })
            app.MapMethods(path, ["GET", "POST"], (HttpContext http) => SeriesAsync(http, ctx));
        app.MapMethods("/loki/api/v1/index/stats", ["GET", "POST"], (HttpContext http) => StatsAsync(http, ctx));
    }

    /// <summary>
    /// Loki answers label names and values from its index, whose tables each cover a UTC day and are not filtered by
    /// time inside the day: every stream with data on a day the range touches counts. Sawmill widens the range the same
    /// way, so the label browser lists what Loki's does.
    /// </summary>
    private static (long Start, long End) IndexDays((long Start, long End) range)
    {
        const long Day = 24 * TimeNs.PerHour;
        var from = range.Start - ((range.Start % Day) + Day) % Day;
        var through = range.End - ((range.End % Day) + Day) % Day + Day - 1;
        return (from, through);
    }

    private static async Task LabelsAsync(HttpContext http, ServerContext ctx)
    {
        var tenants = TenantResolver.Resolve(http, ctx.Config.AuthEnabled);
        var p = await RequestParams.ReadAsync(http.Request, http.RequestAborted);
        var (start, end) = IndexDays(p.Range(DefaultSince));
        var matchers = p.Get("query") is { Length: > 0 } q ? SelectorParser.Parse(q) : null;
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var t in tenants)
            names.UnionWith(ctx.Reader.LabelNames(t, start, end + 1, matchers, http.RequestAborted));
        if (tenants.Count > 1)
            names.Add("__tenant_id__");
        await JsonResponses.WriteStringsAsync(http.Response, names, http.RequestAborted);
    }

    private static async Task ValuesAsync(HttpContext http, ServerContext ctx, string name)
    {
        var tenants = TenantResolver.Resolve(http, ctx.Config.AuthEnabled);
        var p = await RequestParams.ReadAsync(http.Request, http.RequestAborted);
        var (start, end) = IndexDays(p.Range(DefaultSince));
        var matchers = p.Get("query") is { Length: > 0 } q ? SelectorParser.Parse(q) : null;
        var values = new SortedSet<string>(StringComparer.Ordinal);
        if (name == "__tenant_id__" && tenants.Count > 1)
            values.UnionWith(tenants);
        else
            foreach (var t in tenants)
                values.UnionWith(ctx.Reader.LabelValues(t, name, start, end + 1, matchers, http.RequestAborted));
        await JsonResponses.WriteStringsAsync(http.Response, values, http.RequestAborted);
    }

    private static async Task SeriesAsync(HttpContext http, ServerContext ctx)
    {
        var tenants = TenantResolver.Resolve(http, ctx.Config.AuthEnabled);
        var p = await RequestParams.ReadAsync(http.Request, http.RequestAborted);
        var (start, end) = p.Range(DefaultSince);
        var selectors = p.GetAll("match[]").Concat(p.GetAll("match")).ToList();
        foreach (var t in tenants)
        {
            // Loki's querier refuses a series request with more match[] groups than max_streams_matchers_per_query.
            var max = ctx.Limits.For(t).MaxStreamsMatchersPerQuery;
            if (max > 0 && selectors.Count > max)
                throw new ApiException(400, $"max streams matchers per query exceeded, matchers-count > limit ({selectors.Count} > {max})");
        }
        var matcherSets = selectors.Count == 0 ? [[]] : selectors.Select(s => SelectorParser.Parse(s, requireNonEmpty: false)).ToList();
        var seen = new HashSet<Labels>();
        var result = new List<Labels>();
        foreach (var t in tenants)
        {
            foreach (var set in matcherSets)
            {
                foreach (var labels in ctx.Reader.Series(t, set, start, end + 1, http.RequestAborted))
                {
                    var l = tenants.Count > 1 ? labels.ToBuilder().Set("__tenant_id__", t).Build() : labels;
                    if (seen.Add(l))
                        result.Add(l);
                }
            }
        }
        result.Sort();
        await JsonResponses.WriteAsync(http.Response, w =>
        {
            w.WriteStartObject();
            w.WriteString("status", "success");
            w.WriteStartArray("data");
            foreach (var l in result)
                JsonResponses.WriteLabels(w, l);
            w.WriteEndArray();
            w.WriteEndObject();
        }, http.RequestAborted);
    }

    private static async Task StatsAsync(HttpContext http, ServerContext ctx)
    {
        var tenants = TenantResolver.Resolve(http, ctx.Config.AuthEnabled);
        var p = await RequestParams.ReadAsync(http.Request, http.RequestAborted);
        var (start, end) = p.Range(DefaultSince);
        var matchers = SelectorParser.Parse(p.Get("query") ?? "");
        long streams = 0, chunks = 0, bytes = 0, entries = 0;
        foreach (var t in tenants)
        {
            var s = ctx.Reader.Stats(t, matchers, start, end + 1, http.RequestAborted);
            streams += s.Streams;
            chunks += s.Chunks;
            bytes += s.Bytes;
            entries += s.Entries;
        }
        await JsonResponses.WriteAsync(http.Response, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("streams", streams);
            w.WriteNumber("chunks", chunks);
            w.WriteNumber("bytes", bytes);
            w.WriteNumber("entries", entries);
            w.WriteEndObject();
        }, http.RequestAborted);
    }
}
