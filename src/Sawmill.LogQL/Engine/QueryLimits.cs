namespace Sawmill.LogQL.Engine;

/// <summary>Per-tenant query limits the engine enforces (Loki's <c>limits_config</c> query keys).</summary>
public sealed record QueryLimits
{
    public int MaxEntriesLimitPerQuery { get; init; } = 5000;
    public int MaxQuerySeries { get; init; } = 500;
    /// <summary>0 = unlimited.</summary>
    public TimeSpan MaxQueryLength { get; init; } = TimeSpan.FromDays(30) + TimeSpan.FromHours(1);
    /// <summary>0 = unlimited.</summary>
    public TimeSpan MaxQueryLookback { get; init; }
    public int MaxQueryParallelism { get; init; } = 2;
    public TimeSpan QueryTimeout { get; init; } = TimeSpan.FromMinutes(1);
    public int MaxStreamsMatchersPerQuery { get; init; } = 1000;
    /// <summary>Points per series limit Loki applies to range queries (11,000).</summary>
    public int MaxPointsPerSeries { get; init; } = 11_000;

    public static readonly QueryLimits Default = new();
}
