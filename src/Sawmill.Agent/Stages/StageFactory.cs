using System.Text.RegularExpressions;
using Sawmill.Agent.Config;
using Sawmill.Core;
using Sawmill.LogQL.Engine;
using YamlDotNet.RepresentationModel;
using Sawmill.GoCompat;

namespace Sawmill.Agent.Stages;

/// <summary>
/// Compiles Promtail's <c>pipeline_stages</c> into a <see cref="Pipeline"/>. Keys and defaults follow Promtail's stage
/// reference; errors are <see cref="ConfigException"/>s naming the stage.
/// </summary>
public static class StageFactory
{
    public static Pipeline Create(IReadOnlyList<YamlMap> stages, AgentMetrics metrics, TextWriter? inspect = null)
    {
        var list = new List<Stage>();
        foreach (var s in stages)
            list.Add(CreateStage(s, metrics, inspect));
        return new Pipeline(list, inspect);
    }

    /// <summary>Validates the stages of every scrape config at load time (so errors surface before anything runs).</summary>
    public static void Validate(IReadOnlyList<YamlMap> stages) => Create(stages, new AgentMetrics());

    private static Stage CreateStage(YamlMap entry, AgentMetrics metrics, TextWriter? inspect)
    {
        var keys = entry.Keys.ToList();
        if (keys.Count != 1)
            throw new ConfigException($"{entry.Path}: a pipeline stage must have exactly one key (the stage type), found {keys.Count}");
        var type = keys[0];
        var node = entry.Node.Children[new YamlScalarNode(type)];
        var c = node is YamlMappingNode m ? new YamlMap(m, entry.Sub(type)) : YamlMap.Empty(entry.Sub(type));
        Stage stage;
        try
        {
            stage = type switch
            {
                "docker" => new DockerStage(),
                "cri" => new CriStage(c.Int("max_partial_lines", 100), c.Bytes("max_partial_line_size", 0), c.Bool("max_partial_line_size_truncate", false)),
                "json" => Json(c),
                "logfmt" => new LogfmtStage(Mapping(c, "mapping"), c.Str("source")),
                "regex" => new RegexStage(Regex(c, "expression", anchored: false), c.Str("source")),
                "replace" => new ReplaceStage(Regex(c, "expression", anchored: false), c.Str("source"),
                    c.Str("replace") is { } r ? PromtailTemplate.Parse(r) : null),
                "template" => new TemplateStage(c.Required("source"), PromtailTemplate.Parse(c.Required("template"))),
                "labels" => new LabelsStage(Mapping(c, null), toMetadata: false),
                "structured_metadata" => new LabelsStage(Mapping(c, null), toMetadata: true),
                "labelallow" => new LabelFilterStage(StringsOrSelf(node, c), allow: true),
                "labeldrop" => new LabelFilterStage(StringsOrSelf(node, c), allow: false),
                "static_labels" => new StaticLabelsStage(Mapping(c, null)),
                "timestamp" => new TimestampStage(c.Required("source"), c.Required("format"), c.Strings("fallback_formats"),
                    c.Str("location"), c.Str("action_on_failure", "fudge")),
                "output" => new OutputStage(c.Required("source")),
                "tenant" => Tenant(c),
                "drop" => Drop(c),
                "match" => Match(c, metrics, inspect),
                "multiline" => new MultilineStage(Regex(c, "firstline", anchored: false), c.Duration("max_wait_time", TimeSpan.FromSeconds(3)), c.Int("max_lines", 128)),
                "pack" => new PackStage(c.Strings("labels"), c.Bool("ingest_timestamp", true)),
                "limit" => new LimitStage(c.Double("rate", 0) is > 0 and var rate ? rate : throw new ConfigException($"{c.Path}: rate must be greater than 0"),
                    c.Double("burst", 0) is > 0 and var burst ? burst : throw new ConfigException($"{c.Path}: burst must be greater than 0"),
                    c.Bool("drop", false), c.Str("by_label_name"), c.Int("max_distinct_labels", 10000)),
                "sampling" => new SamplingStage(c.Double("rate", 1), c.Str("drop_counter_reason", "sampling_stage")),
                "metrics" => Metrics(c, metrics),
                "decolorize" => new DecolorizeStage(),
                _ => throw new ConfigException($"{entry.Path}: unknown pipeline stage type \"{type}\""),
            };
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new ConfigException($"{c.Path}: {e.Message}");
        }
        stage.Metrics = metrics;
        return stage;
    }

    private static Regex Regex(YamlMap c, string key, bool anchored)
    {
        var text = c.Required(key);
        try
        {
            return Re2.Compile(text, anchored);
        }
        catch (ArgumentException e)
        {
            throw new ConfigException($"{c.Sub(key)}: {e.Message}");
        }
    }

    /// <summary>A mapping of name to (optional) key; null values mean "same as the name".</summary>
    private static Dictionary<string, string> Mapping(YamlMap c, string? key)
    {
        var raw = key == null ? MapSelf(c) : c.StringMap(key);
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in raw)
            d[k] = string.IsNullOrEmpty(v) ? k : v;
        return d;
    }

    private static Dictionary<string, string?> MapSelf(YamlMap c)
    {
        var d = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (k, v) in c.Node.Children)
        {
            var name = ((YamlScalarNode)k).Value!;
            d[name] = v is YamlScalarNode { Value: { } s } sc && !(s is "" or "~" or "null" && sc.Style == YamlDotNet.Core.ScalarStyle.Plain) ? s : null;
        }
        return d;
    }

    private static IReadOnlyList<string> StringsOrSelf(YamlNode node, YamlMap c)
    {
        if (node is YamlSequenceNode seq)
            return seq.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "").ToList();
        return c.Strings("values");
    }

    private static Stage Json(YamlMap c)
    {
        var exprs = new List<(string, JmesPath)>();
        foreach (var (name, expr) in c.StringMap("expressions"))
            exprs.Add((name, JmesPath.Compile(string.IsNullOrEmpty(expr) ? name : expr)));
        return new JsonStage(exprs, c.Str("source"), c.Bool("drop_malformed", false));
    }

    private static Stage Tenant(YamlMap c)
    {
        var value = c.Str("value");
        var source = c.Str("source");
        var label = c.Str("label");
        var n = (value != null ? 1 : 0) + (source != null ? 1 : 0) + (label != null ? 1 : 0);
        if (n != 1)
            throw new ConfigException($"{c.Path}: exactly one of source, value or label must be set");
        return new TenantStage(value, source, label);
    }

    private static Stage Drop(YamlMap c)
    {
        var sources = c.Strings("source");
        var expression = c.Str("expression") is { } e ? Regex(c, "expression", anchored: false) : null;
        var value = c.Str("value");
        if (value != null && expression != null)
            throw new ConfigException($"{c.Path}: value and expression cannot both be set");
        TimeSpan? older = c.Has("older_than") ? c.Duration("older_than", TimeSpan.Zero) : null;
        long? longer = c.Has("longer_than") ? c.Bytes("longer_than", 0) : null;
        if (sources.Count == 0 && expression == null && older == null && longer == null)
            throw new ConfigException($"{c.Path}: at least one of source, expression, older_than or longer_than must be set");
        return new DropStage(sources, c.Str("separator", ";"), expression, value, older, longer, c.Str("drop_counter_reason", "drop_stage"));
    }

    private static Stage Match(YamlMap c, AgentMetrics metrics, TextWriter? inspect)
    {
        var selector = c.Required("selector");
        IReadOnlyList<LabelMatcher> matchers;
        ILineFilter? filter;
        try
        {
            (matchers, filter) = LogSelector.Parse(selector);
        }
        catch (Exception e) when (e is not ConfigException)
        {
            throw new ConfigException($"{c.Sub("selector")}: invalid selector syntax for match stage: {e.Message}");
        }
        var action = c.Str("action", "keep");
        if (action is not ("keep" or "drop"))
            throw new ConfigException($"{c.Sub("action")}: match stage action should be 'keep' or 'drop', got \"{action}\"");
        var stages = c.Maps("stages");
        if (action == "keep" && stages.Count == 0)
            throw new ConfigException($"{c.Path}: match stage configuration must contain stages when action is keep");
        var nested = stages.Count > 0 ? Create(stages, metrics, inspect) : null;
        return new MatchStage(matchers, filter, nested, action == "drop", c.Str("drop_counter_reason", "match_stage"));
    }

    private static Stage Metrics(YamlMap c, AgentMetrics metrics)
    {
        var defs = new List<MetricsStage.Definition>();
        foreach (var name in c.Keys)
        {
            var m = c.Map(name) ?? throw new ConfigException($"{c.Sub(name)}: expected a mapping");
            var type = m.Required("type").ToLowerInvariant();
            var cfg = m.Map("config") ?? YamlMap.Empty(m.Sub("config"));
            var prefix = m.Str("prefix", "promtail_custom_");
            var help = m.Str("description", $"{name} metric from a sawmill agent metrics stage");
            double[]? buckets = null;
            string action;
            switch (type)
            {
                case "counter":
                    action = cfg.Str("action", "")!;
                    if (!cfg.Bool("match_all", false) && action is not ("inc" or "add"))
                        throw new ConfigException($"{cfg.Sub("action")}: counter action must be inc or add");
                    break;
                case "gauge":
                    action = cfg.Str("action", "")!;
                    if (action is not ("set" or "inc" or "dec" or "add" or "sub"))
                        throw new ConfigException($"{cfg.Sub("action")}: gauge action must be set, inc, dec, add or sub");
                    break;
                case "histogram":
                    action = "observe";
                    buckets = cfg.Strings("buckets").Select(b => double.Parse(b, System.Globalization.CultureInfo.InvariantCulture)).Order().ToArray();
                    if (buckets.Length == 0)
                        buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
                    break;
                default:
                    throw new ConfigException($"{m.Sub("type")}: unknown metric type \"{type}\"");
            }
            var family = metrics.Register(new MetricFamily(prefix + name, help, type, buckets));
            defs.Add(new MetricsStage.Definition(family, m.Str("source") ?? name, cfg.Str("value"), action,
                cfg.Bool("match_all", false), cfg.Bool("count_entry_bytes", false), m.Duration("max_idle_duration", TimeSpan.FromMinutes(5))));
        }
        return new MetricsStage(defs);
    }
}
