namespace Sawmill.LogQL.Syntax;

/// <summary>
/// <c>op [by|without (…)] ([k,] inner)</c>. <see cref="Grouping"/> is never null: no clause and <c>by ()</c>
/// are the same (aggregate everything into one series). <see cref="Parameter"/> is k for topk/bottomk/approx_topk, else 0.
/// </summary>
public sealed record VectorAggregationExpr(VectorOp Op, SampleExpr Inner, Grouping Grouping, int Parameter) : SampleExpr;
