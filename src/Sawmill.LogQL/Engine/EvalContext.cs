using Sawmill.Core;

namespace Sawmill.LogQL.Engine;

/// <summary>Per-query evaluation state shared by the evaluators.</summary>
internal sealed class EvalContext(string tenant, StepGrid grid, QueryLimits limits, QueryStatistics statistics, CancellationToken token)
{
    public string Tenant { get; } = tenant;
    public StepGrid Grid { get; } = grid;
    public QueryLimits Limits { get; } = limits;
    public QueryStatistics Statistics { get; } = statistics;
    public CancellationToken Token { get; } = token;

    /// <summary>Loki's error when a metric query exceeds <c>max_query_series</c>.</summary>
    public QueryLimitException SeriesLimitError() => new($"maximum of series ({Limits.MaxQuerySeries}) reached for a single query");
}
