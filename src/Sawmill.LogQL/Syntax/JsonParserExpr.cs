namespace Sawmill.LogQL.Syntax;

/// <summary><c>| json</c> (every field, nested keys joined with <c>_</c>) or <c>| json a="path", …</c> (only those).</summary>
public sealed record JsonParserExpr(EquatableArray<LabelExtraction> Extractions) : StageExpr;
