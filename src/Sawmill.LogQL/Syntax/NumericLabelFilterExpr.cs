namespace Sawmill.LogQL.Syntax;

/// <summary><c>status &gt;= 500</c>: the label parsed as a float.</summary>
public sealed record NumericLabelFilterExpr(string Name, ComparisonOp Op, double Value) : LabelFilterExpr;
