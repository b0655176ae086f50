namespace Sawmill.LogQL.Syntax;

/// <summary>
/// <c>op([param,] range) [by|without (…)]</c>, e.g. <c>rate({app="x"}[5m])</c> or
/// <c>quantile_over_time(0.99, {app="x"} | json | unwrap latency [5m]) by (path)</c>.
/// <see cref="Parameter"/> is set only for quantile_over_time; <see cref="Grouping"/> only where Loki allows it.
/// </summary>
public sealed record RangeAggregationExpr(RangeOp Op, LogRangeExpr Range, double? Parameter, Grouping? Grouping) : SampleExpr;
