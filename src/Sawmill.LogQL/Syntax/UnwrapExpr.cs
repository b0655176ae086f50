namespace Sawmill.LogQL.Syntax;

/// <summary><c>| unwrap [conversion(]label[)]</c> followed by label filters that run after the unwrap (e.g. <c>| __error__=""</c>).</summary>
public sealed record UnwrapExpr(string Label, UnwrapConversion Conversion, EquatableArray<LabelFilterExpr> PostFilters);
