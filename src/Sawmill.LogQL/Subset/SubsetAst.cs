using Sawmill.Core;

namespace Sawmill.LogQL.Subset;

// The AST of the LogQL subset this engine runs (issue 2's: selectors, line filters, the four counting range
// aggregations, sum/count/avg/min/max with by/without, number literals, vector(), arithmetic and comparisons).

internal abstract record Expr;

internal sealed record LineFilter(string Op, string Value);

internal sealed record LogExpr(IReadOnlyList<LabelMatcher> Matchers, IReadOnlyList<LineFilter> Filters) : Expr;

internal sealed record RangeAggExpr(string Op, LogExpr Log, long RangeNs, long OffsetNs) : Expr;

internal sealed record VectorAggExpr(string Op, Expr Inner, IReadOnlyList<string>? Grouping, bool Without) : Expr;

internal sealed record NumberExpr(double Value) : Expr;

internal sealed record VectorFuncExpr(double Value) : Expr;

internal sealed record BinaryExpr(string Op, Expr Left, Expr Right, bool ReturnBool) : Expr;
