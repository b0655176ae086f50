namespace Sawmill.LogQL.Syntax;

/// <summary>
/// <c>op v1 [or v2 …]</c>. For the positive ops a line passes when any value matches; for the negative ops
/// (<c>!=</c>, <c>!~</c>, <c>!&gt;</c>) it passes when none matches (Loki rewrites <c>!= "a" or "b"</c> to
/// <c>!= "a" != "b"</c>). <see cref="Values"/> has at least one element.
/// </summary>
public sealed record LineFilterExpr(LineFilterOp Op, EquatableArray<LineFilterValue> Values) : StageExpr
{
    public bool IsNegative => Op is LineFilterOp.NotContains or LineFilterOp.NotRegex or LineFilterOp.NotPattern;
}
