namespace Sawmill.LogQL.Syntax;

/// <summary>
/// One stage of a log pipeline, in source order. Subclasses: <see cref="LineFilterExpr"/>, <see cref="JsonParserExpr"/>,
/// <see cref="LogfmtParserExpr"/>, <see cref="RegexpParserExpr"/>, <see cref="PatternParserExpr"/>,
/// <see cref="UnpackParserExpr"/>, <see cref="LabelFilterStageExpr"/>, <see cref="LineFormatExpr"/>,
/// <see cref="LabelFormatExpr"/>, <see cref="DropLabelsExpr"/>, <see cref="KeepLabelsExpr"/>, <see cref="DecolorizeExpr"/>.
/// </summary>
public abstract record StageExpr;
