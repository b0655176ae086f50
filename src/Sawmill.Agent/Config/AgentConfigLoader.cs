using System.Text;
using System.Text.RegularExpressions;
using Sawmill.Agent.Relabel;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Sawmill.Agent.Config;

/// <summary>
/// Reads Promtail's YAML configuration. Keys, defaults and meanings follow Promtail's configuration reference;
/// unknown or unsupported keys produce warnings (kept in <see cref="AgentConfig.Warnings"/>) rather than errors so
/// that existing Promtail files load unchanged.
/// </summary>
public static partial class AgentConfigLoader
{
    public static AgentConfig LoadFile(string path, bool expandEnv = false)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException e)
        {
            throw new ConfigException($"error loading config file {path}: {e.Message}");
        }
        return Load(text, expandEnv);
    }

    public static AgentConfig Load(string yaml, bool expandEnv = false)
    {
        if (expandEnv)
            yaml = ExpandEnv(yaml);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new ConfigException($"yaml: line {e.Start.Line}: {e.Message}");
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet throws these instead of a YamlException on some malformed input (found by fuzzing): plain
            // scalars its scanner cannot finish, events its node loader does not expect.
            throw new ConfigException($"yaml: {e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode rootNode)
            return new AgentConfig { Warnings = ["the configuration is empty"] };
        var root = new YamlMap(rootNode, "");
        // The course's Helm values nest Promtail's config under promtail.config; accept that shape too.
        if (root.Map("promtail")?.Map("config") is { } nested)
            root = new YamlMap(nested.Node, "");
        var warnings = new List<string>();
        WarnUnknown(root, warnings, "server", "positions", "clients", "client", "scrape_configs", "limits_config", "target_config", "options", "tracing", "global");

        var server = new ServerConfig();
        if (root.Map("server") is { } s)
        {
            var port = s.Int("http_listen_port", 9080);
            server = new ServerConfig
            {
                HttpListenAddress = s.Str("http_listen_address") is { Length: > 0 } a ? a : "0.0.0.0",
                HttpListenPort = port,
                Disabled = s.Bool("disable", false) || port < 0,
            };
        }

        var positions = new PositionsConfig();
        if (root.Map("positions") is { } p)
        {
            positions = new PositionsConfig
            {
                Filename = p.Str("filename", positions.Filename),
                SyncPeriod = p.Duration("sync_period", positions.SyncPeriod),
                IgnoreInvalidYaml = p.Bool("ignore_invalid_yaml", false),
            };
        }

        var clients = new List<ClientConfig>();
        foreach (var c in root.Maps("clients"))
            clients.Add(ParseClient(c, warnings));
        if (root.Map("client") is { } single)
            clients.Add(ParseClient(single, warnings));

        var limits = new LimitsConfig();
        if (root.Map("limits_config") is { } l)
        {
            limits = new LimitsConfig
            {
                ReadlineRateEnabled = l.Bool("readline_rate_enabled", false),
                ReadlineRate = l.Double("readline_rate", 10000),
                ReadlineBurst = l.Int("readline_burst", 10000),
                ReadlineRateDrop = l.Bool("readline_rate_drop", true),
                MaxStreams = l.Int("max_streams", 0),
                MaxLineSize = l.Bytes("max_line_size", 0),
                MaxLineSizeTruncate = l.Bool("max_line_size_truncate", false),
            };
        }

        var syncPeriod = root.Map("target_config")?.Duration("sync_period", TimeSpan.FromSeconds(10)) ?? TimeSpan.FromSeconds(10);

        var scrapes = new List<ScrapeConfig>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sc in root.Maps("scrape_configs"))
        {
            var parsed = ParseScrape(sc, warnings);
            if (!names.Add(parsed.JobName))
                throw new ConfigException($"{sc.Path}: found multiple scrape configs with job name \"{parsed.JobName}\"");
            scrapes.Add(parsed);
        }

        return new AgentConfig
        {
            Server = server,
            Positions = positions,
            Clients = clients,
            Limits = limits,
            ScrapeConfigs = scrapes,
            TargetSyncPeriod = syncPeriod,
            Warnings = warnings,
        };
    }

    private static ClientConfig ParseClient(YamlMap c, List<string> warnings)
    {
        WarnUnknown(c, warnings, "url", "tenant_id", "batchwait", "batchsize", "backoff_config", "external_labels", "basic_auth",
            "bearer_token", "bearer_token_file", "headers", "timeout", "tls_config", "proxy_url", "drop_rate_limited_batches", "name");
        var urlText = c.Required("url");
        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || (url.Scheme != "http" && url.Scheme != "https"))
            throw new ConfigException($"{c.Sub("url")}: invalid URL \"{urlText}\"");
        var backoff = BackoffConfig.Default;
        if (c.Map("backoff_config") is { } b)
        {
            backoff = new BackoffConfig(
                b.Duration("min_period", backoff.Min),
                b.Duration("max_period", backoff.Max),
                b.Int("max_retries", backoff.MaxRetries));
        }
        string? user = null, password = null;
        if (c.Map("basic_auth") is { } ba)
        {
            user = ba.Str("username");
            password = ba.Str("password");
            if (ba.Str("password_file") is { Length: > 0 } pf)
                password = File.ReadAllText(pf).Trim();
        }
        var bearer = c.Str("bearer_token");
        if (c.Str("bearer_token_file") is { Length: > 0 } bf)
            bearer = File.ReadAllText(bf).Trim();
        return new ClientConfig
        {
            Url = url,
            TenantId = c.Str("tenant_id"),
            BatchWait = c.Duration("batchwait", TimeSpan.FromSeconds(1)),
            BatchSize = c.Bytes("batchsize", 1024 * 1024),
            Backoff = backoff,
            Timeout = c.Duration("timeout", TimeSpan.FromSeconds(10)),
            ExternalLabels = NonNull(c.StringMap("external_labels")),
            Headers = NonNull(c.StringMap("headers")),
            BasicAuthUser = user,
            BasicAuthPassword = password,
            BearerToken = bearer,
            DropRateLimitedBatches = c.Bool("drop_rate_limited_batches", false),
        };
    }

    private static ScrapeConfig ParseScrape(YamlMap sc, List<string> warnings)
    {
        var job = sc.Required("job_name");
        WarnUnknown(sc, warnings, "job_name", "static_configs", "file_sd_configs", "kubernetes_sd_configs", "relabel_configs",
            "pipeline_stages", "encoding", "decompression");
        foreach (var key in sc.Keys)
        {
            if (key is "journal" or "syslog" or "gcplog" or "windows_events" or "kafka" or "gelf" or "cloudflare" or "heroku_drain"
                or "loki_push_api" or "docker_sd_configs" or "consul_sd_configs" or "consulagent_sd_configs" or "azure_event_hubs")
                warnings.Add($"scrape_configs job \"{job}\": {key} is not supported by sawmill agent; only file targets are read");
        }
        var statics = new List<TargetGroupConfig>();
        foreach (var st in sc.Maps("static_configs"))
            statics.Add(new TargetGroupConfig(st.Strings("targets"), NonNull(st.StringMap("labels"))));
        var fileSd = new List<(IReadOnlyList<string>, TimeSpan)>();
        foreach (var f in sc.Maps("file_sd_configs"))
            fileSd.Add((f.Strings("files"), f.Duration("refresh_interval", TimeSpan.FromMinutes(5))));
        var k8s = new List<KubernetesSdConfig>();
        foreach (var k in sc.Maps("kubernetes_sd_configs"))
            if (KubernetesSdConfig.Parse(k, job, warnings) is { } parsed)
                k8s.Add(parsed);
        var relabels = new List<RelabelConfig>();
        foreach (var r in sc.Maps("relabel_configs"))
            relabels.Add(RelabelConfig.Parse(r));
        var decompression = sc.Map("decompression") is { } d && d.Bool("enabled", false);
        return new ScrapeConfig
        {
            JobName = job,
            StaticConfigs = statics,
            FileSdConfigs = fileSd,
            KubernetesSdConfigs = k8s,
            RelabelConfigs = relabels,
            PipelineStages = sc.Maps("pipeline_stages"),
            Encoding = sc.Str("encoding"),
            Decompression = decompression,
        };
    }

    private static Dictionary<string, string> NonNull(Dictionary<string, string?> d)
    {
        var r = new Dictionary<string, string>(d.Count, StringComparer.Ordinal);
        foreach (var (k, v) in d)
            r[k] = v ?? "";
        return r;
    }

    private static void WarnUnknown(YamlMap map, List<string> warnings, params string[] known)
    {
        foreach (var key in map.Keys)
            if (Array.IndexOf(known, key) < 0)
                warnings.Add($"{map.Sub(key)}: unknown or unsupported key, ignored");
    }

    /// <summary>Promtail's <c>-config.expand-env</c>: <c>${VAR}</c> and <c>${VAR:-default}</c>; <c>$$</c> is a literal dollar.</summary>
    public static string ExpandEnv(string text) =>
        EnvRegex().Replace(text, m =>
        {
            if (m.Value == "$$")
                return "$";
            var name = m.Groups[1].Value;
            var value = Environment.GetEnvironmentVariable(name);
            if (string.IsNullOrEmpty(value) && m.Groups[2].Success)
                return m.Groups[3].Value;
            return value ?? "";
        });

    [GeneratedRegex(@"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}")]
    private static partial Regex EnvRegex();
}
