namespace Sawmill.LogQL.Syntax;

/// <summary>
/// <c>left op [bool] [on|ignoring (…)] [group_left|group_right (…)] right</c>. Two literals are folded at parse
/// time (as Loki does), so at least one side is a vector.
/// </summary>
public sealed record BinaryExpr(BinaryOp Op, SampleExpr Left, SampleExpr Right, bool ReturnBool, VectorMatching? Matching) : SampleExpr;
