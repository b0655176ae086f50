namespace Sawmill.LogQL.Syntax;

/// <summary><c>| pattern "&lt;ip&gt; - &lt;_&gt; …"</c>.</summary>
public sealed record PatternParserExpr(string Pattern) : StageExpr;
