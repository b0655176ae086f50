namespace Sawmill.LogQL.Syntax;

/// <summary>
/// A label filter tree: <see cref="StringLabelFilterExpr"/>, <see cref="NumericLabelFilterExpr"/>, <see cref="DurationLabelFilterExpr"/>,
/// <see cref="BytesLabelFilterExpr"/>, <see cref="IpLabelFilterExpr"/>, combined by <see cref="BinaryLabelFilterExpr"/>.
/// Numeric/duration/bytes filters whose label does not convert set <c>__error__="LabelFilterErr"</c> (Loki).
/// </summary>
public abstract record LabelFilterExpr;
