namespace Sawmill.LogQL.Syntax;

/// <summary><c>| decolorize</c>: strips ANSI colour escape sequences from the line.</summary>
public sealed record DecolorizeExpr : StageExpr;
