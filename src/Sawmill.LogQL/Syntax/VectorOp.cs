namespace Sawmill.LogQL.Syntax;

/// <summary>Vector aggregation operators.</summary>
public enum VectorOp
{
    Sum,
    Avg,
    Min,
    Max,
    Count,
    Stddev,
    Stdvar,
    TopK,
    BottomK,
    Sort,
    SortDesc,
    ApproxTopK,
}
