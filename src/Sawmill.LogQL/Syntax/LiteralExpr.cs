namespace Sawmill.LogQL.Syntax;

/// <summary>A number literal; a scalar.</summary>
public sealed record LiteralExpr(double Value) : SampleExpr;
