using Sawmill.Logging.Formatting;

namespace Sawmill.Logging.Push;

/// <summary>
/// Options of <see cref="SawmillPushLoggerProvider"/>, bindable from configuration (<c>SawmillLogging:Push</c>).
/// Defaults follow Promtail's client where it has one (batch wait 1 s, backoff 500 ms … 5 min, 10 retries).
/// </summary>
public sealed class SawmillPushOptions
{
    /// <summary>Server base URL (<c>http://localhost:3100</c>) or the full push URL. Required.</summary>
    public string? Url { get; set; }

    /// <summary>Tenant sent as <c>X-Scope-OrgID</c>; none when empty.</summary>
    public string? TenantId { get; set; }

    /// <summary>Basic-auth user name (with <see cref="Password"/>); none when empty.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>Extra request headers.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Stream labels (e.g. <c>app</c>, <c>env</c>). When empty, <c>app</c> is the entry assembly's name.</summary>
    public Dictionary<string, string> Labels { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Add the level as a stream label (so <c>{app="x", level="ERROR"}</c> selects errors). Default true.</summary>
    public bool LevelLabel { get; set; } = true;

    /// <summary>Name of the level label. Default <c>level</c>.</summary>
    public string LevelLabelName { get; set; } = "level";

    public PushProtocol Protocol { get; set; } = PushProtocol.Protobuf;

    /// <summary>Gzip the JSON body (<c>Content-Encoding: gzip</c>). Protobuf bodies are always snappy-compressed.</summary>
    public bool Gzip { get; set; } = true;

    /// <summary>A batch is sent when it holds this many entries … Default 1000.</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>… or this many line bytes … Default 1 MiB.</summary>
    public int BatchBytes { get; set; } = 1024 * 1024;

    /// <summary>… or when its first entry has waited this long. Default 1 s.</summary>
    public TimeSpan BatchWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Entries waiting to be sent, at most; beyond that <see cref="QueueFullMode"/> applies. Default 10000.</summary>
    public int QueueCapacity { get; set; } = 10_000;

    public QueueFullMode QueueFullMode { get; set; } = QueueFullMode.DropOldest;

    /// <summary>Retries of a batch after a connection error, 429 or 5xx; then the batch is given up (counted as failed). Default 10.</summary>
    public int MaxRetries { get; set; } = 10;

    public TimeSpan MinBackoff { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Timeout of one push request. Default 10 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long disposing the provider may take to send what is queued. Default 5 s.</summary>
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// At most this often, when entries were dropped since the last report, a WARNING <c>Log entries dropped</c>
    /// line (with <c>dropped</c> and <c>dropped_total</c>) is pushed and written to stderr. Default 1 min.
    /// </summary>
    public TimeSpan DropReportInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Write the provider's own problems (drops, rejected or abandoned batches) to stderr. Default true.</summary>
    public bool SelfLogToStderr { get; set; } = true;

    /// <summary>The line format (same options as the console formatter).</summary>
    public SawmillJsonFormatterOptions Json { get; set; } = new();
}
