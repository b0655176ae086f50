namespace Sawmill.LogQL.Syntax;

/// <summary><c>| filter</c> where filter is a <see cref="LabelFilterExpr"/> tree.</summary>
public sealed record LabelFilterStageExpr(LabelFilterExpr Filter) : StageExpr;
