namespace Sawmill.LogQL.Syntax;

/// <summary><c>| line_format "template"</c> (Go text/template).</summary>
public sealed record LineFormatExpr(string Template) : StageExpr;
