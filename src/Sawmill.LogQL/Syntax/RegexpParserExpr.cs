namespace Sawmill.LogQL.Syntax;

/// <summary><c>| regexp "re"</c>: named groups (RE2 <c>(?P&lt;name&gt;…)</c>) become labels. Validated at parse time.</summary>
public sealed record RegexpParserExpr(string Pattern) : StageExpr;
