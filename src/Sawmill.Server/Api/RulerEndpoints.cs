using Sawmill.GoCompat;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Sawmill.Ruler;
using Sawmill.Server.Hosting;

namespace Sawmill.Server.Api;

/// <summary>
/// The ruler's HTTP API, per tenant. Loki's rules API (YAML): <c>GET /loki/api/v1/rules</c>,
/// <c>GET|POST|DELETE /loki/api/v1/rules/{namespace}</c>, <c>GET|DELETE /loki/api/v1/rules/{namespace}/{group}</c>,
/// the same under <c>/api/prom/rules</c> (Grafana's alerting UI), writes answering 202. Prometheus-compatible JSON:
/// <c>GET /prometheus/api/v1/rules</c> (filters <c>type</c>, <c>rule_name[]</c>, <c>rule_group[]</c>, <c>file[]</c>)
/// and <c>GET /prometheus/api/v1/alerts</c> (also under <c>/api/prom/api/v1/</c>).
/// </summary>
internal static class RulerEndpoints
{
    /// <summary>
    /// Hosts the ruler when the <c>ruler:</c> section enables it: creates the service, maps its API (unless
    /// <c>enable_api: false</c>), starts evaluating once the host has started and stops it, saving alert state, on shutdown.
    /// </summary>
    public static void Map(WebApplication app, ServerContext ctx)
    {
        var config = RulerConfig.FromYaml(ctx.Config.Extra.GetValueOrDefault("ruler"), ctx.Config.HttpListenPort);
        if (!config.Enabled)
            return;
        var service = RulerService.Create(config, ctx.Config.PathPrefix, ctx.Engine, t => QueryEndpoints.EngineLimits(ctx.Limits.For(t)), ctx.LoggerFactory.CreateLogger("ruler"));
        if (ctx.Cluster?.Backends is { } ring)
            service.Manager.Shard = Cluster.RulerSharding.For(ring, ctx.Cluster.InstanceId);
        if (config.EnableApi)
            MapApi(app, ctx, service);
        app.Lifetime.ApplicationStarted.Register(service.Manager.Start);
        app.Lifetime.ApplicationStopping.Register(() => service.DisposeAsync().AsTask().GetAwaiter().GetResult());
    }

    private static void MapApi(WebApplication app, ServerContext ctx, RulerService ruler)
    {
        foreach (var prefix in new[] { "/loki/api/v1/rules", "/api/prom/rules" })
        {
            app.MapGet(prefix, (HttpContext http) => ListAsync(http, ctx, ruler, null, null));
            app.MapGet(prefix + "/{ns}", (HttpContext http, string ns) => ListAsync(http, ctx, ruler, ns, null));
            app.MapGet(prefix + "/{ns}/{group}", (HttpContext http, string ns, string group) => ListAsync(http, ctx, ruler, ns, group));
            app.MapPost(prefix + "/{ns}", (HttpContext http, string ns) => SetAsync(http, ctx, ruler, ns));
            app.MapDelete(prefix + "/{ns}", (HttpContext http, string ns) => DeleteAsync(http, ctx, ruler, ns, null));
            app.MapDelete(prefix + "/{ns}/{group}", (HttpContext http, string ns, string group) => DeleteAsync(http, ctx, ruler, ns, group));
        }
        foreach (var prefix in new[] { "/prometheus/api/v1", "/api/prom/api/v1" })
        {
            app.MapGet(prefix + "/rules", (HttpContext http) => PromRulesAsync(http, ctx, ruler));
            app.MapGet(prefix + "/alerts", (HttpContext http) => PromAlertsAsync(http, ctx, ruler));
        }
    }

    private static async Task ListAsync(HttpContext http, ServerContext ctx, RulerService ruler, string? ns, string? group)
    {
        var tenant = TenantResolver.Single(http, ctx.Config.AuthEnabled);
        var all = ruler.Store.Load(tenant);
        object body;
        if (group != null)
        {
            var g = all.GetValueOrDefault(ns!)?.FirstOrDefault(x => x.Name == group)
                ?? throw new ApiException(404, "group does not exist");
            body = g;
        }
        else
        {
            IDictionary<string, List<RuleGroupDefinition>> selected = ns == null ? all : all.Where(p => p.Key == ns).ToDictionary(p => p.Key, p => p.Value);
            if (selected.Count == 0)
                throw new ApiException(404, "no rule groups found");
            body = selected;
        }
        http.Response.ContentType = "application/yaml";
        await http.Response.WriteAsync(RuleYaml.ToYaml(body), http.RequestAborted);
    }

    private static async Task SetAsync(HttpContext http, ServerContext ctx, RulerService ruler, string ns)
    {
        var tenant = TenantResolver.Single(http, ctx.Config.AuthEnabled);
        string text;
        using (var reader = new StreamReader(http.Request.Body, Encoding.UTF8))
            text = await reader.ReadToEndAsync(http.RequestAborted);
        RuleGroupDefinition group;
        try
        {
            RuleStore.CheckNamespace(ns);
            group = RuleYaml.ParseGroup(text);
        }
        catch (RuleValidationException e)
        {
            throw new ApiException(400, e.Message);
        }
        ruler.Store.SetGroup(tenant, ns, group);
        await ruler.Manager.SyncNow();
        await Accepted(http);
    }

    private static async Task DeleteAsync(HttpContext http, ServerContext ctx, RulerService ruler, string ns, string? group)
    {
        var tenant = TenantResolver.Single(http, ctx.Config.AuthEnabled);
        if (!ruler.Store.Delete(tenant, ns, group))
            throw new ApiException(404, group == null ? "no rule groups found" : "group does not exist");
        await ruler.Manager.SyncNow();
        await Accepted(http);
    }

    private static Task Accepted(HttpContext http)
    {
        http.Response.StatusCode = 202;
        return JsonResponses.WriteAsync(http.Response, w =>
        {
            w.WriteStartObject();
            w.WriteString("status", "success");
            w.WriteNull("data");
            w.WriteString("errorType", "");
            w.WriteString("error", "");
            w.WriteEndObject();
        }, http.RequestAborted);
    }

    private static async Task PromError(HttpContext http, int status, string type, string message)
    {
        http.Response.StatusCode = status;
        await JsonResponses.WriteAsync(http.Response, w =>
        {
            w.WriteStartObject();
            w.WriteString("status", "error");
            w.WriteString("errorType", type);
            w.WriteString("error", message);
            w.WriteEndObject();
        }, http.RequestAborted);
    }

    private static async Task PromRulesAsync(HttpContext http, ServerContext ctx, RulerService ruler)
    {
        var tenant = TenantResolver.Single(http, ctx.Config.AuthEnabled);
        var q = http.Request.Query;
        var type = q["type"].ToString();
        if (type is not ("" or "alert" or "record"))
        {
            await PromError(http, 400, "bad_data", $"unsupported rule type {type}");
            return;
        }
        var names = Set(q["rule_name[]"]);
        var groups = Set(q["rule_group[]"]);
        var files = Set(q["file[]"]);
        var excludeAlerts = q["exclude_alerts"].ToString() == "true";
        await JsonResponses.WriteAsync(http.Response, w =>
        {
            w.WriteStartObject();
            w.WriteString("status", "success");
            w.WriteStartObject("data");
            w.WriteStartArray("groups");
            foreach (var g in ruler.Manager.Groups(tenant))
            {
                if ((groups != null && !groups.Contains(g.Name)) || (files != null && !files.Contains(g.File)))
                    continue;
                var rules = g.Rules.Where(r => (type != "alert" || r is AlertingRule) && (type != "record" || r is RecordingRule)
                    && (names == null || names.Contains(r.Name))).ToList();
                if (rules.Count == 0 && (type.Length > 0 || names != null))
                    continue;
                w.WriteStartObject();
                w.WriteString("name", g.Name);
                w.WriteString("file", g.File);
                w.WriteStartArray("rules");
                foreach (var r in rules)
                    WriteRule(w, r, excludeAlerts);
                w.WriteEndArray();
                w.WriteNumber("interval", g.Interval.TotalSeconds);
                w.WriteNumber("limit", g.Limit);
                w.WriteNumber("evaluationTime", g.EvaluationTime.TotalSeconds);
                w.WriteString("lastEvaluation", LastEval(g.LastEvaluation));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }, http.RequestAborted);
    }

    private static HashSet<string>? Set(Microsoft.Extensions.Primitives.StringValues v) =>
        v.Count == 0 ? null : new HashSet<string>(v.Where(s => s != null).Select(s => s!), StringComparer.Ordinal);

    /// <summary>Go's zero time for "never evaluated", as Prometheus prints it.</summary>
    private static string LastEval(DateTime t) => t == default ? "0001-01-01T00:00:00Z" : GoTime.FormatRfc3339Nano(t);

    private static void WriteRule(Utf8JsonWriter w, Rule r, bool excludeAlerts)
    {
        w.WriteStartObject();
        if (r is AlertingRule a)
        {
            w.WriteString("state", StateText(a.State));
            w.WriteString("name", a.Name);
            w.WriteString("query", a.Query);
            w.WriteNumber("duration", a.HoldDuration.TotalSeconds);
            w.WriteNumber("keepFiringFor", a.KeepFiringFor.TotalSeconds);
            WriteMap(w, "labels", a.Labels);
            WriteMap(w, "annotations", a.Annotations);
            if (!excludeAlerts)
            {
                w.WriteStartArray("alerts");
                foreach (var alert in a.Snapshot().Where(x => x.ResolvedAt == default).OrderBy(x => x.Labels))
                    WriteAlert(w, alert);
                w.WriteEndArray();
            }
        }
        else
        {
            w.WriteString("name", r.Name);
            w.WriteString("query", r.Query);
            WriteMap(w, "labels", r.Labels);
        }
        w.WriteString("health", r.Health switch { RuleHealth.Ok => "ok", RuleHealth.Err => "err", _ => "unknown" });
        if (r.LastError.Length > 0)
            w.WriteString("lastError", r.LastError);
        w.WriteNumber("evaluationTime", r.EvaluationTime.TotalSeconds);
        w.WriteString("lastEvaluation", LastEval(r.LastEvaluation));
        w.WriteString("type", r is AlertingRule ? "alerting" : "recording");
        w.WriteEndObject();
    }

    private static void WriteAlert(Utf8JsonWriter w, Alert a)
    {
        w.WriteStartObject();
        w.WritePropertyName("labels");
        JsonResponses.WriteLabels(w, a.Labels);
        WriteMap(w, "annotations", a.Annotations);
        w.WriteString("state", StateText(a.State));
        w.WriteString("activeAt", GoTime.FormatRfc3339Nano(a.ActiveAt));
        if (a.KeepFiringSince != default)
            w.WriteString("keepFiringSince", GoTime.FormatRfc3339Nano(a.KeepFiringSince));
        w.WriteString("value", GoFormat.FloatE(a.Value));
        w.WriteEndObject();
    }

    private static void WriteMap(Utf8JsonWriter w, string name, IEnumerable<KeyValuePair<string, string>> map)
    {
        w.WriteStartObject(name);
        foreach (var (k, v) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
            w.WriteString(k, v);
        w.WriteEndObject();
    }

    private static string StateText(AlertState s) => s switch
    {
        AlertState.Firing => "firing",
        AlertState.Pending => "pending",
        _ => "inactive",
    };

    private static async Task PromAlertsAsync(HttpContext http, ServerContext ctx, RulerService ruler)
    {
        var tenant = TenantResolver.Single(http, ctx.Config.AuthEnabled);
        await JsonResponses.WriteAsync(http.Response, w =>
        {
            w.WriteStartObject();
            w.WriteString("status", "success");
            w.WriteStartObject("data");
            w.WriteStartArray("alerts");
            foreach (var g in ruler.Manager.Groups(tenant))
                foreach (var r in g.Rules.OfType<AlertingRule>())
                    foreach (var a in r.Snapshot().Where(x => x.ResolvedAt == default && x.State != AlertState.Inactive).OrderBy(x => x.Labels))
                        WriteAlert(w, a);
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }, http.RequestAborted);
    }
}
