namespace Sawmill.LogQL.Syntax;

/// <summary><c>a and b</c> (also written <c>a, b</c> or <c>a b</c>) or <c>a or b</c>; <c>and</c> binds tighter than <c>or</c>.</summary>
public sealed record BinaryLabelFilterExpr(LabelFilterExpr Left, bool And, LabelFilterExpr Right) : LabelFilterExpr;
