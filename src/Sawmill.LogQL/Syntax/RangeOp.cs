namespace Sawmill.LogQL.Syntax;

/// <summary>Range aggregation functions. <see cref="LogQLNames"/> maps them to and from their LogQL names.</summary>
public enum RangeOp
{
    CountOverTime,
    Rate,
    RateCounter,
    BytesOverTime,
    BytesRate,
    AbsentOverTime,
    SumOverTime,
    AvgOverTime,
    MaxOverTime,
    MinOverTime,
    FirstOverTime,
    LastOverTime,
    StdvarOverTime,
    StddevOverTime,
    QuantileOverTime,
}
