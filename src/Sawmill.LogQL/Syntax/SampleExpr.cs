namespace Sawmill.LogQL.Syntax;

/// <summary>An expression that evaluates to samples (instant vector, range result or scalar).</summary>
public abstract record SampleExpr : Expr;
