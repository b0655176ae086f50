namespace Sawmill.LogQL.Syntax;

/// <summary><c>| logfmt [--strict] [--keep-empty] [a="key", …]</c>.</summary>
public sealed record LogfmtParserExpr(bool Strict, bool KeepEmpty, EquatableArray<LabelExtraction> Extractions) : StageExpr;
