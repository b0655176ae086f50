using Sawmill.Core;

namespace Sawmill.Server.Config;

/// <summary>Loki's <c>limits_config</c>: the global defaults of every per-tenant limit. Immutable per reload.</summary>
public sealed record LimitsConfig
{
    public double IngestionRateMb { get; init; } = 4;
    public double IngestionBurstSizeMb { get; init; } = 6;
    public long MaxLineSize { get; init; } = 256 * 1024;
    public bool MaxLineSizeTruncate { get; init; }
    public int MaxLabelNamesPerSeries { get; init; } = 15;
    public int MaxLabelNameLength { get; init; } = 1024;
    public int MaxLabelValueLength { get; init; } = 2048;
    public bool RejectOldSamples { get; init; } = true;
    public TimeSpan RejectOldSamplesMaxAge { get; init; } = TimeSpan.FromDays(7);
    public TimeSpan CreationGracePeriod { get; init; } = TimeSpan.FromMinutes(10);
    public int MaxGlobalStreamsPerUser { get; init; } = 5000;
    public double PerStreamRateLimitMb { get; init; } = 3;
    public double PerStreamRateLimitBurstMb { get; init; } = 15;
    public bool UnorderedWrites { get; init; } = true;
    public int MaxEntriesLimitPerQuery { get; init; } = 5000;
    public TimeSpan MaxQueryLength { get; init; } = TimeSpan.FromHours(721);
    public TimeSpan MaxQueryLookback { get; init; }
    public int MaxQuerySeries { get; init; } = 500;
    public int MaxQueryParallelism { get; init; } = 32;

    /// <summary>
    /// Loki splits a range query into sub-queries of this length in its query frontend; Sawmill runs queries whole,
    /// but keeps what clients see of it: when it is above zero, a metric range query's start is aligned down and its
    /// end up to a multiple of the step. Loki 3's default.
    /// </summary>
    public TimeSpan SplitQueriesByInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Entries may carry structured metadata (Loki 3's default); when false a push with metadata is refused.</summary>
    public bool AllowStructuredMetadata { get; init; } = true;

    /// <summary>
    /// Loki 3's service_name discovery: a stream without a <c>service_name</c> label gets one, the value of the first
    /// of these labels it has, or <c>unknown_service</c>. Empty turns it off (Loki 2.9's behaviour).
    /// </summary>
    public IReadOnlyList<string> DiscoverServiceName { get; init; } = DefaultDiscoverServiceName;

    public static readonly IReadOnlyList<string> DefaultDiscoverServiceName =
    [
        "service", "app", "application", "app_name", "name", "app_kubernetes_io_name", "container", "container_name",
        "k8s_container_name", "component", "workload", "job", "k8s_job_name",
    ];

    /// <summary>Loki 3's level discovery: each entry gets a <c>detected_level</c> structured-metadata field. False: Loki 2.9's behaviour.</summary>
    public bool DiscoverLogLevels { get; init; } = true;

    /// <summary>Label, metadata and line fields that name an entry's level, in order of preference.</summary>
    public IReadOnlyList<string> LogLevelFields { get; init; } = LogLevelDetector.DefaultFields;

    /// <summary>How many objects deep a JSON line is searched for a level field (0: no limit).</summary>
    public int LogLevelFromJsonMaxDepth { get; init; } = 2;
    public TimeSpan QueryTimeout { get; init; } = TimeSpan.FromMinutes(1);
    public int MaxStreamsMatchersPerQuery { get; init; } = 1000;
    public TimeSpan RetentionPeriod { get; init; }
    public IReadOnlyList<RetentionStreamRule> RetentionStreams { get; init; } = [];
}

/// <summary>A <c>retention_stream</c> rule: streams matching <see cref="Selector"/> keep data for <see cref="Period"/>.</summary>
public sealed record RetentionStreamRule(string Selector, int Priority, TimeSpan Period);
