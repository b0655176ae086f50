namespace Sawmill.LogQL.Syntax;

/// <summary><c>size &gt; 20MB</c>: the label parsed as a human byte size, compared in bytes.</summary>
public sealed record BytesLabelFilterExpr(string Name, ComparisonOp Op, double Bytes) : LabelFilterExpr;
