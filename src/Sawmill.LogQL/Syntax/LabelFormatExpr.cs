namespace Sawmill.LogQL.Syntax;

/// <summary><c>| label_format a=b, c="{{.x}}"</c>.</summary>
public sealed record LabelFormatExpr(EquatableArray<LabelFormat> Formats) : StageExpr;
