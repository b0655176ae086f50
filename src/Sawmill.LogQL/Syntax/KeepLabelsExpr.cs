namespace Sawmill.LogQL.Syntax;

/// <summary><c>| keep a, b="x"</c>: keep only named labels (a matcher keeps the label only when its value matches).</summary>
public sealed record KeepLabelsExpr(EquatableArray<LabelSelection> Labels) : StageExpr;
