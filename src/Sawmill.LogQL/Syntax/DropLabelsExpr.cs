namespace Sawmill.LogQL.Syntax;

/// <summary><c>| drop a, b="x"</c>: remove named labels, or the label when its value matches.</summary>
public sealed record DropLabelsExpr(EquatableArray<LabelSelection> Labels) : StageExpr;
