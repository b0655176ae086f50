namespace Sawmill.Agent.Config;

/// <summary>Promtail's <c>positions</c> block.</summary>
public sealed record PositionsConfig
{
    /// <summary>Promtail's default is <c>/var/log/positions.yaml</c>.</summary>
    public string Filename { get; init; } = "/var/log/positions.yaml";
    /// <summary>
    /// How often positions are written when nothing else writes them. Sawmill also writes them after every
    /// acknowledged batch so that a crash re-sends at most one batch.
    /// </summary>
    public TimeSpan SyncPeriod { get; init; } = TimeSpan.FromSeconds(10);
    public bool IgnoreInvalidYaml { get; init; }
}
