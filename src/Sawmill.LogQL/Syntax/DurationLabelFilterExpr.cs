namespace Sawmill.LogQL.Syntax;

/// <summary><c>latency &gt; 250ms</c>: the label parsed as a Go duration, compared in nanoseconds.</summary>
public sealed record DurationLabelFilterExpr(string Name, ComparisonOp Op, long ValueNs) : LabelFilterExpr;
