using Sawmill.Agent.Relabel;

namespace Sawmill.Agent.Config;

/// <summary>One <c>scrape_configs</c> entry.</summary>
public sealed record ScrapeConfig
{
    public required string JobName { get; init; }
    public IReadOnlyList<TargetGroupConfig> StaticConfigs { get; init; } = [];
    /// <summary>file_sd_configs: file globs and their refresh interval.</summary>
    public IReadOnlyList<(IReadOnlyList<string> Files, TimeSpan Refresh)> FileSdConfigs { get; init; } = [];
    /// <summary>kubernetes_sd_configs entries (roles pod, node, service, endpoints), discovered through the API server.</summary>
    public IReadOnlyList<KubernetesSdConfig> KubernetesSdConfigs { get; init; } = [];
    public IReadOnlyList<RelabelConfig> RelabelConfigs { get; init; } = [];
    /// <summary>The raw <c>pipeline_stages</c> list; compiled by the stage factory.</summary>
    public IReadOnlyList<YamlMap> PipelineStages { get; init; } = [];
    /// <summary>Scrape-level <c>encoding</c> (IANA name) of the files; null = UTF-8.</summary>
    public string? Encoding { get; init; }
    /// <summary>Scrape-level <c>decompression</c>: enabled, initial delay, format (gz).</summary>
    public bool Decompression { get; init; }
}
