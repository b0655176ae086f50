namespace Sawmill.LogQL.Syntax;

/// <summary>
/// The argument of a range aggregation: <c>selector [| unwrap …] [range] [offset d]</c>.
/// Range and offset are nanoseconds; the window at evaluation time t is <c>(t - offset - range, t - offset]</c>.
/// </summary>
public sealed record LogRangeExpr(LogSelectorExpr Selector, long RangeNs, UnwrapExpr? Unwrap, long OffsetNs);
