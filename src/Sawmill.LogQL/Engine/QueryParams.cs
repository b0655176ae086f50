using Sawmill.Core;

namespace Sawmill.LogQL.Engine;

/// <summary>
/// One query as the HTTP API received it, already parsed from Loki's parameters.
/// Times are Unix nanoseconds; <see cref="EndNs"/> is exclusive for log queries (Loki 3.x) and the last
/// evaluation point for metric range queries. For instant queries <see cref="StartNs"/> == <see cref="EndNs"/>
/// and <see cref="StepNs"/> is 0.
/// </summary>
public sealed record QueryParams
{
    public required string Query { get; init; }
    public required long StartNs { get; init; }
    public required long EndNs { get; init; }
    public long StepNs { get; init; }
    public long IntervalNs { get; init; }
    public Direction Direction { get; init; } = Direction.Backward;
    public int Limit { get; init; } = 100;
    public bool Instant { get; init; }
}
