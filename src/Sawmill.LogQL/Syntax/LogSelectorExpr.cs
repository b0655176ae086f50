using Sawmill.Core;

namespace Sawmill.LogQL.Syntax;

/// <summary>
/// <c>{matchers} stage stage …</c>: a stream selector followed by the log pipeline, in source order.
/// Stages are the <see cref="StageExpr"/> subclasses. An <c>unwrap</c> is not a stage: it lives in
/// <see cref="LogRangeExpr.Unwrap"/>.
/// </summary>
public sealed record LogSelectorExpr(EquatableArray<LabelMatcher> Matchers, EquatableArray<StageExpr> Stages) : Expr;
