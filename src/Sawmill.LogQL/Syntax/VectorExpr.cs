namespace Sawmill.LogQL.Syntax;

/// <summary><c>vector(s)</c>: one label-less sample with value s at every step.</summary>
public sealed record VectorExpr(double Value) : SampleExpr;
