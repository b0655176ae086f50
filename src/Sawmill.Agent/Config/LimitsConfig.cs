namespace Sawmill.Agent.Config;

/// <summary>Promtail's <c>limits_config</c>: an agent-wide push rate limit and per-stream caps.</summary>
public sealed record LimitsConfig
{
    public bool ReadlineRateEnabled { get; init; }
    public double ReadlineRate { get; init; } = 10000;
    public int ReadlineBurst { get; init; } = 10000;
    public bool ReadlineRateDrop { get; init; } = true;
    /// <summary>0 = unlimited. Streams beyond this count (per client) are dropped, as in Promtail.</summary>
    public int MaxStreams { get; init; }
    /// <summary>0 = unlimited. Longer lines are truncated or dropped (see <see cref="MaxLineSizeTruncate"/>).</summary>
    public long MaxLineSize { get; init; }
    public bool MaxLineSizeTruncate { get; init; }
}
