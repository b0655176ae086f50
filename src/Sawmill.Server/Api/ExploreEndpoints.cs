using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.Server.Hosting;
using Sawmill.Server.Patterns;
using Sawmill.GoCompat;

namespace Sawmill.Server.Api;

/// <summary>
/// The endpoints Grafana's Loki data source and Logs Drilldown call beyond the core query API:
/// <c>/index/volume</c>, <c>/index/volume_range</c>, <c>/patterns</c>, <c>/detected_labels</c>, <c>/detected_fields</c>,
/// <c>/detected_field/{name}/values</c> and <c>/drilldown-limits</c>. Shapes follow Loki's documentation and what
/// Grafana reads.
/// </summary>
public static class ExploreEndpoints
{
    /// <summary>Lines sampled for field detection and pattern mining (Loki's detected_fields default line_limit is 1000).</summary>
    private const int DefaultLineLimit = 1000;
    private const int PatternLineLimit = 50_000;
    private const int MaxPatterns = 300;

    /// <summary>Labels kept by detected_labels even when they have a single value (they identify where logs come from).</summary>
    private static readonly HashSet<string> StaticLabels = new(StringComparer.Ordinal)
    {
        "cluster", "namespace", "service_name", "app", "job", "env", "environment", "pod", "container",
    };

    public static void Map(WebApplication app, ServerContext ctx)
    {
        app.MapMethods("/loki/api/v1/index/volume", ["GET", "POST"], (HttpContext http) => VolumeAsync(http, ctx, range: false));
        app.MapMethods("/loki/api/v1/index/volume_range", ["GET", "POST"], (HttpContext http) => VolumeAsync(http, ctx, range: true));
        app.MapMethods("/loki/api/v1/patterns", ["GET", "POST"], (HttpContext http) => PatternsAsync(http, ctx));
        app.MapMethods("/loki/api/v1/detected_labels", ["GET", "POST"], (HttpContext http) => DetectedLabelsAsync(http, ctx));
        app.MapMethods("/loki/api/v1/detected_fields", ["GET", "POST"], (HttpContext http) => DetectedFieldsAsync(http, ctx, null));
        app.MapMethods("/loki/api/v1/detected_field/{name}/values", ["GET", "POST"], (HttpContext http, string name) => DetectedFieldsAsync(http, ctx, name));
        app.MapGet("/loki/api/v1/drilldown-limits", (HttpContext http) => DrilldownLimitsAsync(http, ctx));
    }

    private static async Task<(string Tenant, RequestParams P, List<LabelMatcher> Matchers, long Start, long End)> ReadAsync(HttpContext http, ServerContext ctx, TimeSpan defaultSince)
    {
        var (tenant, p, query, start, end) = await ReadQueryAsync(http, ctx, defaultSince);
        return (tenant, p, SelectorParser.Parse(query), start, end);
    }

    /// <summary>Like <see cref="ReadAsync"/>, but the query stays LogQL text for the engine (pipelines allowed).</summary>
    private static async Task<(string Tenant, RequestParams P, string Query, long Start, long End)> ReadQueryAsync(HttpContext http, ServerContext ctx, TimeSpan defaultSince)
    {
        var tenant = TenantResolver.Single(http, ctx.Config.AuthEnabled);
        var p = await RequestParams.ReadAsync(http.Request, http.RequestAborted);
        var (start, end) = p.Range(defaultSince);
        var query = p.Get("query");
        if (string.IsNullOrWhiteSpace(query))
            throw new ApiException(400, "query parameter is required");
        return (tenant, p, query, start, end);
    }

    private static async Task VolumeAsync(HttpContext http, ServerContext ctx, bool range)
    {
        var tenant = TenantResolver.Single(http, ctx.Config.AuthEnabled);
        var p = await RequestParams.ReadAsync(http.Request, http.RequestAborted);
        // Loki: limit 0 means its default (100); a negative one is refused.
        var limit = p.Limit(100, zeroIsDefault: true);
        var (start, end) = p.Range(TimeSpan.FromHours(1));
        var query = p.Get("query");
        if (string.IsNullOrWhiteSpace(query))
            throw new ApiException(400, "query parameter is required");
        var byLabels = p.Get("aggregateBy") switch
        {
            null or "" or "series" => false,
            "labels" => true,
            _ => throw new ApiException(400, "invalid aggregation option"),
        };
        // "{}" (Loki's match-any) selects every stream.
        var matchers = query.Trim() == "{}" ? [] : SelectorParser.Parse(query);
        var targets = p.Get("targetLabels") is { Length: > 0 } t ? t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;
        if (targets != null)
        {
            // As Loki, every target label must be present: those the query does not match on get a ".+" matcher.
            foreach (var target in targets)
                if (!matchers.Exists(m => m.Name == target))
                    matchers.Add(LabelMatcher.Create(MatchType.Regex, target, ".+"));
        }
        var groupBy = targets ?? matchers.Select(m => m.Name).Distinct().ToArray();
        var step = range ? (p.Get("step") is { Length: > 0 } s ? RequestParams.ParseSecondsOrDuration(s, "step") : QueryEndpoints.DefaultStep(start, end)) : 1;
        if (step <= 0)
            throw new ApiException(400, "zero or negative query resolution step widths are not accepted. Try a positive integer");
        var limits = ctx.Limits.For(tenant);
        var volume = await QueryEndpoints.RunEngineAsync(http, tenant, limits, token => ctx.Engine.VolumeAsync(tenant, new VolumeQuery
        {
            Matchers = matchers,
            StartNs = start,
            EndNs = end,
            StepNs = range ? step : 0,
            GroupBy = groupBy,
            AggregateByLabels = byLabels,
            TargetLabels = targets,
            Limit = limit,
            ChunkMaxAgeNs = (long)(ctx.Config.MaxChunkAge.Ticks * (TimeNs.PerSecond / TimeSpan.TicksPerSecond)),
        }, QueryEndpoints.EngineLimits(limits), token));
        var top = volume.Groups;
        await JsonResponses.WriteAsync(http.Response, w =>
        {
            w.WriteStartObject();
            w.WriteString("status", "success");
            w.WriteStartObject("data");
            // As Loki's volume middleware: a matrix only when some series has more than one sample.
            var matrix = range && top.Any(g => g.Bytes.Count(v => v != 0) > 1);
            w.WriteString("resultType", matrix ? "matrix" : "vector");
            w.WriteStartArray("result");
            foreach (var (labels, values) in top)
            {
                w.WriteStartObject();
                w.WritePropertyName("metric");
                JsonResponses.WriteLabels(w, labels);
                if (matrix)
                {
                    w.WriteStartArray("values");
                    for (var i = 0; i < values.Length; i++)
                    {
                        if (values[i] == 0)
                            continue;
                        w.WriteStartArray();
                        JsonResponses.WriteSampleTime(w, volume.BucketTimesNs[i] / TimeNs.PerMillisecond);
                        w.WriteStringValue(values[i].ToString(CultureInfo.InvariantCulture));
                        w.WriteEndArray();
                    }
                    w.WriteEndArray();
                }
                else
                {
                    // The one sample there is (an instant request's, reported at its end).
                    var only = Math.Max(Array.FindIndex(values, v => v != 0), 0);
                    w.WriteStartArray("value");
                    JsonResponses.WriteSampleTime(w, volume.BucketTimesNs[only] / TimeNs.PerMillisecond);
                    w.WriteStringValue(values[only].ToString(CultureInfo.InvariantCulture));
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }, http.RequestAborted);
    }

    /// <summary>
    /// The newest <paramref name="max"/> lines of a log query (a selector, optionally with a pipeline), run by the query
    /// engine with the tenant's timeout, parallelism and cancellation; its line cap is the endpoint's own sample size.
    /// </summary>
    /// <remarks><c>Stream</c> is the stream's own labels: what the pipeline parsed out of the line is not among them.</remarks>
    private static async Task<List<(long Ts, Labels Stream, string Line, Label[]? Metadata)>> SampleLinesAsync(
        HttpContext http, ServerContext ctx, string tenant, string query, long start, long end, int max)
    {
        var limits = ctx.Limits.For(tenant);
        var result = await QueryEndpoints.RunEngineAsync(http, tenant, limits, token => ctx.Engine.ExecuteAsync(tenant,
            new QueryParams { Query = query, StartNs = start, EndNs = end + 1, Limit = max, Direction = Direction.Backward },
            QueryEndpoints.EngineLimits(limits) with { MaxEntriesLimitPerQuery = 0 }, token));
        if (result is not StreamsResult streams)
            throw new ApiException(400, "only log queries are supported here: the query must be a stream selector, optionally with a pipeline");
        var lines = new List<(long, Labels, string, Label[]?)>();
        foreach (var stream in streams.Streams)
            foreach (var e in stream.Entries)
                lines.Add((e.TimestampNs, e.Parsed == null ? stream.Labels : Labels.From(stream.Labels.AsSpan().ToArray().Where(l => !e.Parsed.Any(x => x.Name == l.Name))), e.Line, e.StructuredMetadata));
        return lines;
    }

    private static async Task PatternsAsync(HttpContext http, ServerContext ctx)
    {
        var (tenant, p, query, start, end) = await ReadQueryAsync(http, ctx, TimeSpan.FromHours(1));
        var step = p.Get("step") is { Length: > 0 } s ? RequestParams.ParseSecondsOrDuration(s, "step") : QueryEndpoints.DefaultStep(start, end);
        if (step <= 0)
            throw new ApiException(400, "zero or negative query resolution step widths are not accepted. Try a positive integer");
        var miner = new DrainMiner();
        var stepMs = Math.Max(step / TimeNs.PerMillisecond, 1);
        foreach (var (ts, _, line, _) in await SampleLinesAsync(http, ctx, tenant, query, start, end, PatternLineLimit))
            miner.Train(line, ts / TimeNs.PerMillisecond, stepMs);
        var patterns = miner.Clusters.OrderByDescending(c => c.Count).Take(MaxPatterns).ToList();
        await JsonResponses.WriteAsync(http.Response, w =>
        {
            w.WriteStartObject();
            w.WriteString("status", "success");
            w.WriteStartArray("data");
            foreach (var c in patterns)
            {
                w.WriteStartObject();
                w.WriteString("pattern", c.Pattern);
                w.WriteStartArray("samples");
                foreach (var (bucket, count) in c.Samples)
                {
                    w.WriteStartArray();
                    w.WriteNumberValue(bucket / 1000);
                    w.WriteNumberValue(count);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }, http.RequestAborted);
    }

    private static async Task DetectedLabelsAsync(HttpContext http, ServerContext ctx)
    {
        var tenant = TenantResolver.Single(http, ctx.Config.AuthEnabled);
        var p = await RequestParams.ReadAsync(http.Request, http.RequestAborted);
        var (start, end) = p.Range(TimeSpan.FromHours(1));
        var matchers = p.Get("query") is { Length: > 0 } q && q.Trim() != "{}" ? SelectorParser.Parse(q, requireNonEmpty: false) : [];
        var values = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var labels in ctx.Reader.Series(tenant, matchers, start, end + 1, http.RequestAborted))
        {
            foreach (var l in labels.AsSpan())
            {
                if (!values.TryGetValue(l.Name, out var set))
                    values[l.Name] = set = new HashSet<string>(StringComparer.Ordinal);
                set.Add(l.Value);
            }
        }
        await JsonResponses.WriteAsync(http.Response, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("detectedLabels");
            foreach (var (name, set) in values.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (set.Count < 2 && !StaticLabels.Contains(name))
                    continue;
                w.WriteStartObject();
                w.WriteString("label", name);
                w.WriteNumber("cardinality", set.Count);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }, http.RequestAborted);
    }

    private sealed class Field
    {
        public required string Name { get; init; }
        public string? Type { get; set; }
        public HashSet<string> Values { get; } = new(StringComparer.Ordinal);
        public SortedSet<string> Parsers { get; } = new(StringComparer.Ordinal);
        public string[]? JsonPath { get; set; }
    }

    private static async Task DetectedFieldsAsync(HttpContext http, ServerContext ctx, string? onlyField)
    {
        var (tenant, p, query, start, end) = await ReadQueryAsync(http, ctx, TimeSpan.FromHours(1));
        var lineLimit = p.Get("line_limit") is { Length: > 0 } ll && int.TryParse(ll, out var n) && n > 0 ? n : DefaultLineLimit;
        var fieldLimit = p.Get("field_limit") is { Length: > 0 } fl && int.TryParse(fl, out var f) && f > 0 ? f : 1000;
        var limit = p.Get("limit") is { Length: > 0 } lim && int.TryParse(lim, out var l) && l > 0 ? l : 1000;
        var fields = new Dictionary<string, Field>(StringComparer.Ordinal);
        foreach (var (_, stream, line, metadata) in await SampleLinesAsync(http, ctx, tenant, query, start, end, lineLimit))
        {
            foreach (var (name, value, parser, path) in FieldDetection.Extract(line))
            {
                if (stream.Has(name))
                    continue;
                Observe(fields, name, value, parser, path);
            }
            if (metadata != null)
                foreach (var m in metadata)
                    Observe(fields, m.Name, m.Value, null, null);
        }
        if (onlyField != null)
        {
            var values = fields.TryGetValue(onlyField, out var field) ? field.Values.OrderBy(v => v, StringComparer.Ordinal).Take(limit).ToList() : [];
            await JsonResponses.WriteAsync(http.Response, w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("values");
                foreach (var v in values)
                    w.WriteStringValue(v);
                w.WriteEndArray();
                w.WriteNumber("limit", limit);
                w.WriteEndObject();
            }, http.RequestAborted);
            return;
        }
        await JsonResponses.WriteAsync(http.Response, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("fields");
            foreach (var field in fields.Values.OrderBy(x => x.Name, StringComparer.Ordinal).Take(fieldLimit))
            {
                w.WriteStartObject();
                w.WriteString("label", field.Name);
                w.WriteString("type", field.Type ?? "string");
                w.WriteNumber("cardinality", field.Values.Count);
                w.WritePropertyName("parsers");
                if (field.Parsers.Count == 0)
                {
                    w.WriteNullValue();
                }
                else
                {
                    w.WriteStartArray();
                    foreach (var parser in field.Parsers)
                        w.WriteStringValue(parser);
                    w.WriteEndArray();
                }
                if (field.JsonPath != null)
                {
                    w.WriteStartArray("jsonPath");
                    foreach (var part in field.JsonPath)
                        w.WriteStringValue(part);
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("fieldLimit", fieldLimit);
            w.WriteEndObject();
        }, http.RequestAborted);
    }

    private static void Observe(Dictionary<string, Field> fields, string name, string value, string? parser, string[]? path)
    {
        if (!fields.TryGetValue(name, out var field))
            fields[name] = field = new Field { Name = name };
        field.Values.Add(value);
        if (parser != null)
            field.Parsers.Add(parser);
        field.JsonPath ??= path;
        field.Type = FieldDetection.Widen(field.Type, FieldDetection.TypeOf(value));
    }

    private static async Task DrilldownLimitsAsync(HttpContext http, ServerContext ctx)
    {
        var tenant = TenantResolver.Single(http, ctx.Config.AuthEnabled);
        var l = ctx.Limits.For(tenant);
        await JsonResponses.WriteAsync(http.Response, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("limits");
            w.WriteBoolean("discover_log_levels", l.DiscoverLogLevels);
            w.WriteStartArray("discover_service_name");
            foreach (var s in l.DiscoverServiceName)
                w.WriteStringValue(s);
            w.WriteEndArray();
            w.WriteStartArray("log_level_fields");
            foreach (var s in l.LogLevelFields)
                w.WriteStringValue(s);
            w.WriteEndArray();
            w.WriteString("max_entries_limit_per_query", l.MaxEntriesLimitPerQuery.ToString(CultureInfo.InvariantCulture));
            w.WriteString("max_query_length", GoDuration.Format(l.MaxQueryLength.Ticks * 100));
            w.WriteString("max_query_lookback", GoDuration.Format(l.MaxQueryLookback.Ticks * 100));
            w.WriteString("max_query_range", "0s");
            w.WriteNumber("max_query_series", l.MaxQuerySeries);
            w.WriteString("query_timeout", GoDuration.Format(l.QueryTimeout.Ticks * 100));
            w.WriteString("retention_period", GoDuration.Format(l.RetentionPeriod.Ticks * 100));
            w.WriteBoolean("volume_enabled", true);
            w.WriteNumber("volume_max_series", 1000);
            w.WriteEndObject();
            w.WriteBoolean("pattern_ingester_enabled", true);
            w.WriteString("version", StatusEndpoints.Version);
            w.WriteEndObject();
        }, http.RequestAborted);
    }
}
