namespace Sawmill.Agent.Config;

/// <summary>A loaded, validated Promtail-format configuration.</summary>
public sealed record AgentConfig
{
    public ServerConfig Server { get; init; } = new();
    public PositionsConfig Positions { get; init; } = new();
    public IReadOnlyList<ClientConfig> Clients { get; init; } = [];
    public LimitsConfig Limits { get; init; } = new();
    public IReadOnlyList<ScrapeConfig> ScrapeConfigs { get; init; } = [];
    /// <summary>How often file globs are re-expanded (Promtail's <c>target_config.sync_period</c>, default 10s).</summary>
    public TimeSpan TargetSyncPeriod { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Warnings found while loading (unknown keys, unsupported features); printed once at start.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
