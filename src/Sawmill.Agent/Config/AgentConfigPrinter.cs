using System.Globalization;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace Sawmill.Agent.Config;

/// <summary>
/// Prints the effective configuration (defaults filled in, flags applied) as Promtail-style YAML for
/// <c>-print-config-stderr</c>. Secrets (passwords, bearer tokens, header values) are printed as <c>&lt;secret&gt;</c>.
/// </summary>
public static class AgentConfigPrinter
{
    public static string Print(AgentConfig c)
    {
        var sb = new StringBuilder();
        sb.Append("server:\n");
        sb.Append("  http_listen_address: ").Append(Q(c.Server.HttpListenAddress)).Append('\n');
        sb.Append("  http_listen_port: ").Append(c.Server.HttpListenPort.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("  disable: ").Append(c.Server.Disabled ? "true" : "false").Append('\n');
        sb.Append("positions:\n");
        sb.Append("  filename: ").Append(Q(c.Positions.Filename)).Append('\n');
        sb.Append("  sync_period: ").Append(D(c.Positions.SyncPeriod)).Append('\n');
        sb.Append("  ignore_invalid_yaml: ").Append(c.Positions.IgnoreInvalidYaml ? "true" : "false").Append('\n');
        sb.Append("clients:").Append(c.Clients.Count == 0 ? " []\n" : "\n");
        foreach (var cl in c.Clients)
        {
            sb.Append("  - url: ").Append(Q(cl.Url.ToString())).Append('\n');
            if (cl.TenantId != null)
                sb.Append("    tenant_id: ").Append(Q(cl.TenantId)).Append('\n');
            sb.Append("    batchwait: ").Append(D(cl.BatchWait)).Append('\n');
            sb.Append("    batchsize: ").Append(cl.BatchSize.ToString(CultureInfo.InvariantCulture)).Append('\n');
            sb.Append("    timeout: ").Append(D(cl.Timeout)).Append('\n');
            sb.Append("    backoff_config:\n");
            sb.Append("      min_period: ").Append(D(cl.Backoff.Min)).Append('\n');
            sb.Append("      max_period: ").Append(D(cl.Backoff.Max)).Append('\n');
            sb.Append("      max_retries: ").Append(cl.Backoff.MaxRetries.ToString(CultureInfo.InvariantCulture)).Append('\n');
            sb.Append("    drop_rate_limited_batches: ").Append(cl.DropRateLimitedBatches ? "true" : "false").Append('\n');
            Map(sb, "    external_labels", cl.ExternalLabels, secret: false);
            Map(sb, "    headers", cl.Headers, secret: true);
            if (cl.BasicAuthUser != null)
                sb.Append("    basic_auth:\n      username: ").Append(Q(cl.BasicAuthUser)).Append("\n      password: <secret>\n");
            if (cl.BearerToken != null)
                sb.Append("    bearer_token: <secret>\n");
        }
        sb.Append("limits_config:\n");
        sb.Append("  readline_rate_enabled: ").Append(c.Limits.ReadlineRateEnabled ? "true" : "false").Append('\n');
        sb.Append("  readline_rate: ").Append(c.Limits.ReadlineRate.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("  readline_burst: ").Append(c.Limits.ReadlineBurst.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("  max_streams: ").Append(c.Limits.MaxStreams.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("  max_line_size: ").Append(c.Limits.MaxLineSize.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("  max_line_size_truncate: ").Append(c.Limits.MaxLineSizeTruncate ? "true" : "false").Append('\n');
        sb.Append("target_config:\n  sync_period: ").Append(D(c.TargetSyncPeriod)).Append('\n');
        sb.Append("scrape_configs:").Append(c.ScrapeConfigs.Count == 0 ? " []\n" : "\n");
        foreach (var sc in c.ScrapeConfigs)
        {
            sb.Append("  - job_name: ").Append(Q(sc.JobName)).Append('\n');
            if (sc.StaticConfigs.Count > 0)
            {
                sb.Append("    static_configs:\n");
                foreach (var st in sc.StaticConfigs)
                {
                    sb.Append("      - targets: [").Append(string.Join(", ", st.Targets.Select(Q))).Append("]\n");
                    Map(sb, "        labels", st.Labels, secret: false);
                }
            }
            if (sc.FileSdConfigs.Count > 0)
            {
                sb.Append("    file_sd_configs:\n");
                foreach (var (files, refresh) in sc.FileSdConfigs)
                    sb.Append("      - files: [").Append(string.Join(", ", files.Select(Q))).Append("]\n        refresh_interval: ").Append(D(refresh)).Append('\n');
            }
            if (sc.KubernetesSdConfigs.Count > 0)
            {
                sb.Append("    kubernetes_sd_configs:\n");
                foreach (var k in sc.KubernetesSdConfigs)
                {
                    sb.Append("      - role: ").Append(KubernetesSdConfig.RoleName(k.Role)).Append('\n');
                    if (k.ApiServer != null)
                        sb.Append("        api_server: ").Append(Q(k.ApiServer.ToString())).Append('\n');
                    if (k.KubeconfigFile != null)
                        sb.Append("        kubeconfig_file: ").Append(Q(k.KubeconfigFile)).Append('\n');
                    if (k.Namespaces.Count > 0 || k.OwnNamespace)
                    {
                        sb.Append("        namespaces:\n          own_namespace: ").Append(k.OwnNamespace ? "true" : "false").Append('\n');
                        sb.Append("          names: [").Append(string.Join(", ", k.Namespaces.Select(Q))).Append("]\n");
                    }
                    if (k.Selectors.Count > 0)
                    {
                        sb.Append("        selectors:\n");
                        foreach (var sel in k.Selectors)
                        {
                            sb.Append("          - role: ").Append(KubernetesSdConfig.RoleName(sel.Role)).Append('\n');
                            if (sel.Label != null)
                                sb.Append("            label: ").Append(Q(sel.Label)).Append('\n');
                            if (sel.Field != null)
                                sb.Append("            field: ").Append(Q(sel.Field)).Append('\n');
                        }
                    }
                    if (k.AttachNodeMetadata)
                        sb.Append("        attach_metadata:\n          node: true\n");
                    if (k.Http.BearerToken != null || k.Http.BearerTokenFile != null || k.Http.BasicAuthUser != null)
                        sb.Append("        # credentials: <secret>\n");
                }
            }
            if (sc.RelabelConfigs.Count > 0)
            {
                sb.Append("    relabel_configs:\n");
                foreach (var r in sc.RelabelConfigs)
                {
                    sb.Append("      - action: ").Append(r.Action.ToString().ToLowerInvariant()).Append('\n');
                    if (r.SourceLabels.Count > 0)
                        sb.Append("        source_labels: [").Append(string.Join(", ", r.SourceLabels)).Append("]\n");
                    if (r.TargetLabel != null)
                        sb.Append("        target_label: ").Append(Q(r.TargetLabel)).Append('\n');
                    sb.Append("        regex: ").Append(Q(r.RegexText)).Append('\n');
                    sb.Append("        replacement: ").Append(Q(r.Replacement)).Append('\n');
                    if (r.Modulus != 0)
                        sb.Append("        modulus: ").Append(r.Modulus.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }
            }
            if (sc.PipelineStages.Count > 0)
            {
                sb.Append("    pipeline_stages:\n");
                foreach (var stage in sc.PipelineStages)
                    sb.Append(Indent(Yaml(stage.Node), "      - ", "        "));
            }
        }
        return sb.ToString();
    }

    private static void Map(StringBuilder sb, string key, IReadOnlyDictionary<string, string> map, bool secret)
    {
        if (map.Count == 0)
            return;
        sb.Append(key).Append(":\n");
        var indent = new string(' ', key.Length - key.TrimStart().Length + 2);
        foreach (var (k, v) in map.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            sb.Append(indent).Append(k).Append(": ").Append(secret ? "<secret>" : Q(v)).Append('\n');
    }

    private static string Yaml(YamlNode node)
    {
        using var w = new StringWriter();
        new YamlStream(new YamlDocument(node)).Save(w, assignAnchors: false);
        var text = w.ToString().Replace("\r\n", "\n", StringComparison.Ordinal);
        // YamlStream ends a document with "...".
        var end = text.LastIndexOf("\n...", StringComparison.Ordinal);
        return (end >= 0 ? text[..end] : text).TrimEnd('\n');
    }

    private static string Indent(string text, string first, string rest)
    {
        var sb = new StringBuilder();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
            sb.Append(i == 0 ? first : rest).Append(lines[i]).Append('\n');
        return sb.ToString();
    }

    /// <summary>A YAML double-quoted scalar.</summary>
    private static string Q(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>A Go-style duration (1m30s, 250ms).</summary>
    private static string D(TimeSpan t)
    {
        if (t == TimeSpan.Zero)
            return "0s";
        if (t.TotalSeconds < 1)
            return t.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + "ms";
        var sb = new StringBuilder();
        if (t.TotalHours >= 1)
            sb.Append(((long)t.TotalHours).ToString(CultureInfo.InvariantCulture)).Append('h');
        if (t.Minutes > 0)
            sb.Append(t.Minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        var s = t.Seconds + t.Milliseconds / 1000.0;
        if (s > 0)
            sb.Append(s.ToString(CultureInfo.InvariantCulture)).Append('s');
        return sb.ToString();
    }
}
