namespace Sawmill.Server.Config;

/// <summary>
/// The effective configuration: defaults, then the YAML file (Loki's format), then command-line flags.
/// Names follow Loki's YAML keys; see docs/config.md for the reference.
/// </summary>
public sealed record SawmillConfig
{
    public bool AuthEnabled { get; init; }
    public string Target { get; init; } = "all";
    public string HttpListenAddress { get; init; } = "127.0.0.1";
    public int HttpListenPort { get; init; } = 3100;
    public string LogLevel { get; init; } = "info";
    public string LogFormat { get; init; } = "logfmt";
    public string PathPrefix { get; init; } = "./data";
    /// <summary>Largest accepted push body after decompression (Loki's distributor default is 100 MB).</summary>
    public long MaxRecvMsgSize { get; init; } = 100L * 1024 * 1024;

    // ingester
    public TimeSpan ChunkIdlePeriod { get; init; } = TimeSpan.FromMinutes(30);
    public int ChunkBlockSize { get; init; } = 262144;
    public int ChunkTargetSize { get; init; } = 1572864;
    public TimeSpan MaxChunkAge { get; init; } = TimeSpan.FromHours(2);
    public string ChunkEncoding { get; init; } = "zstd";
    public TimeSpan FlushCheckPeriod { get; init; } = TimeSpan.FromSeconds(30);
    public bool WalEnabled { get; init; } = true;
    public string WalSync { get; init; } = "batch";

    // querier
    public bool MultiTenantQueriesEnabled { get; init; }

    // compactor
    public bool RetentionEnabled { get; init; }
    public TimeSpan CompactionInterval { get; init; } = TimeSpan.FromMinutes(10);
    public TimeSpan DeleteRequestCancelPeriod { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Sawmill-only: blocks whose newest entry is older than this are recompressed for cold storage (0 = never).</summary>
    public TimeSpan RecompressAfter { get; init; } = TimeSpan.FromHours(2);

    /// <summary>Sawmill-only: the zstd level of cold recompression.</summary>
    public int RecompressLevel { get; init; } = 19;

    // runtime config (per-tenant overrides)
    public string? RuntimeConfigFile { get; init; }
    public TimeSpan RuntimeConfigPeriod { get; init; } = TimeSpan.FromSeconds(10);

    public LimitsConfig Limits { get; init; } = new();

    /// <summary>Ring, bucket and read-path settings of the scalable deployment (<c>-target=write|read|backend</c>).</summary>
    public ClusterConfig Cluster { get; init; } = new();

    /// <summary>Sections the loader does not model (ruler, …) as raw YAML trees, for the components that own them.</summary>
    public IReadOnlyDictionary<string, object?> Extra { get; init; } = new Dictionary<string, object?>();

    /// <summary>The scalable-deployment keys the config file set (reported as unused with <c>-target=all</c>).</summary>
    public IReadOnlyList<string> ClusterKeys { get; init; } = [];

    /// <summary>Warnings about unknown or legacy keys, logged once at start-up.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
