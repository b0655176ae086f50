namespace Sawmill.LogQL.Syntax;

/// <summary>
/// A label filter tree: <see cref="StringLabelFilter"/>, <see cref="NumericLabelFilter"/>, <see cref="DurationLabelFilter"/>,
/// <see cref="BytesLabelFilter"/>, <see cref="IpLabelFilter"/>, combined by <see cref="BinaryLabelFilter"/>.
/// Numeric/duration/bytes filters whose label does not convert set <c>__error__="LabelFilterErr"</c> (Loki).
/// </summary>
public abstract record LabelFilterExpr;
