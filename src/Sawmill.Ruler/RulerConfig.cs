using System.Globalization;
using Sawmill.Core;

namespace Sawmill.Ruler;

/// <summary>
/// The <c>ruler:</c> section (Loki's keys). Rules live in <c>storage.local.directory</c> as
/// <c>&lt;dir&gt;/&lt;tenant&gt;/&lt;namespace&gt;.yaml</c>; without a section the ruler still runs with rules under
/// <c>&lt;path_prefix&gt;/rules</c> so the rules API works out of the box.
/// </summary>
public sealed record RulerConfig
{
    public bool Enabled { get; init; } = true;
    public string? Directory { get; init; }
    public string? RulePath { get; init; }
    public IReadOnlyList<string> AlertmanagerUrls { get; init; } = [];
    public TimeSpan EvaluationInterval { get; init; } = TimeSpan.FromMinutes(1);
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMinutes(1);
    public TimeSpan ResendDelay { get; init; } = TimeSpan.FromMinutes(1);
    /// <summary>How long an alert must be active again after a restart before it is sent (Prometheus's <c>for_grace_period</c>).</summary>
    public TimeSpan ForGracePeriod { get; init; } = TimeSpan.FromMinutes(10);
    public TimeSpan NotificationTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public int NotificationQueueCapacity { get; init; } = 10000;
    public bool EnableApi { get; init; } = true;
    public string ExternalUrl { get; init; } = "";
    public IReadOnlyDictionary<string, string> ExternalLabels { get; init; } = new Dictionary<string, string>();
    public bool RemoteWriteEnabled { get; init; }
    public IReadOnlyList<RemoteWriteClientConfig> RemoteWrite { get; init; } = [];

    /// <summary>Builds the config from the raw YAML tree the server's loader keeps for <c>ruler:</c> (null = absent).</summary>
    public static RulerConfig FromYaml(object? tree, int httpPort)
    {
        var c = new RulerConfig { ExternalUrl = $"http://localhost:{httpPort.ToString(CultureInfo.InvariantCulture)}" };
        if (tree is not Dictionary<object, object> m)
            return c;
        string? S(Dictionary<object, object> map, string key) => map.TryGetValue(key, out var v) && v != null ? Convert.ToString(v, CultureInfo.InvariantCulture) : null;
        Dictionary<object, object>? M(Dictionary<object, object>? map, string key) => map != null && map.TryGetValue(key, out var v) ? v as Dictionary<object, object> : null;
        TimeSpan D(string? text, TimeSpan def, string key) => text == null ? def : RuleYaml.ParseDuration(text, "ruler." + key) is var t && t > TimeSpan.Zero ? t : throw new RuleValidationException($"ruler.{key}: must be positive");
        bool B(string? text, bool def) => text == null ? def : text.Equals("true", StringComparison.OrdinalIgnoreCase);

        var local = M(M(m, "storage"), "local");
        c = c with
        {
            Enabled = B(S(m, "enabled"), true),
            Directory = local != null ? S(local, "directory") : null,
            RulePath = S(m, "rule_path"),
            AlertmanagerUrls = (S(m, "alertmanager_url") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            EvaluationInterval = D(S(m, "evaluation_interval"), c.EvaluationInterval, "evaluation_interval"),
            PollInterval = D(S(m, "poll_interval"), c.PollInterval, "poll_interval"),
            ResendDelay = D(S(m, "resend_delay"), c.ResendDelay, "resend_delay"),
            ForGracePeriod = S(m, "for_grace_period") is { } g ? RuleYaml.ParseDuration(g, "ruler.for_grace_period") : c.ForGracePeriod,
            NotificationTimeout = D(S(m, "notification_timeout"), c.NotificationTimeout, "notification_timeout"),
            NotificationQueueCapacity = int.TryParse(S(m, "notification_queue_capacity"), CultureInfo.InvariantCulture, out var cap) ? cap : c.NotificationQueueCapacity,
            EnableApi = B(S(m, "enable_api"), true),
            ExternalUrl = (S(m, "external_url") ?? c.ExternalUrl).TrimEnd('/'),
            ExternalLabels = M(m, "external_labels") is { } el ? el.ToDictionary(p => Convert.ToString(p.Key, CultureInfo.InvariantCulture)!, p => Convert.ToString(p.Value, CultureInfo.InvariantCulture) ?? "") : c.ExternalLabels,
        };

        if (M(m, "remote_write") is { } rw)
        {
            var clients = new List<RemoteWriteClientConfig>();
            if (M(rw, "client") is { } single)
                clients.Add(Client("default", single));
            if (M(rw, "clients") is { } many)
                foreach (var (name, v) in many)
                    if (v is Dictionary<object, object> cm)
                        clients.Add(Client(Convert.ToString(name, CultureInfo.InvariantCulture)!, cm));
            c = c with { RemoteWriteEnabled = B(S(rw, "enabled"), clients.Count > 0), RemoteWrite = clients };
        }
        return c;

        RemoteWriteClientConfig Client(string name, Dictionary<object, object> cm)
        {
            var url = S(cm, "url") ?? throw new RuleValidationException($"ruler.remote_write client {name}: url is required");
            var q = M(cm, "queue_config");
            return new RemoteWriteClientConfig
            {
                Name = name,
                Url = url,
                Headers = M(cm, "headers") is { } h ? h.ToDictionary(p => Convert.ToString(p.Key, CultureInfo.InvariantCulture)!, p => Convert.ToString(p.Value, CultureInfo.InvariantCulture) ?? "") : new Dictionary<string, string>(),
                RemoteTimeout = D(S(cm, "remote_timeout"), TimeSpan.FromSeconds(30), "remote_write.remote_timeout"),
                MaxSamplesPerSend = q != null && int.TryParse(S(q, "max_samples_per_send"), CultureInfo.InvariantCulture, out var ms) && ms > 0 ? ms : 2000,
                MinBackoff = q != null ? D(S(q, "min_backoff"), TimeSpan.FromMilliseconds(30), "remote_write.queue_config.min_backoff") : TimeSpan.FromMilliseconds(30),
                MaxBackoff = q != null ? D(S(q, "max_backoff"), TimeSpan.FromSeconds(5), "remote_write.queue_config.max_backoff") : TimeSpan.FromSeconds(5),
            };
        }
    }
}
