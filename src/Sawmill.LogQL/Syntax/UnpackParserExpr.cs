namespace Sawmill.LogQL.Syntax;

/// <summary><c>| unpack</c>: JSON object whose <c>_entry</c> key becomes the line, other keys labels.</summary>
public sealed record UnpackParserExpr : StageExpr;
