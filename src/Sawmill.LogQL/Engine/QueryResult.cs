using Sawmill.Core;

namespace Sawmill.LogQL.Engine;

/// <summary>The result of a query; one of the four Loki result types.</summary>
public abstract class QueryResult
{
    /// <summary>Loki's <c>data.resultType</c>: <c>streams</c>, <c>matrix</c>, <c>vector</c> or <c>scalar</c>.</summary>
    public abstract string ResultType { get; }

    public QueryStatistics Statistics { get; init; } = new();

    /// <summary>Wall time spent executing, for the stats block.</summary>
    public TimeSpan ExecTime { get; set; }
}

/// <summary>One entry of a log result. <see cref="Labels"/> holds the labels after the pipeline (stream labels plus parsed ones).</summary>
public readonly record struct ResultEntry(long TimestampNs, string Line, Label[]? StructuredMetadata = null, Label[]? Parsed = null);

public sealed class ResultStream(Labels labels, List<ResultEntry> entries)
{
    public Labels Labels { get; } = labels;
    public List<ResultEntry> Entries { get; } = entries;
}

public sealed class StreamsResult(List<ResultStream> streams) : QueryResult
{
    public override string ResultType => "streams";
    public List<ResultStream> Streams { get; } = streams;
}

/// <summary>A sample point: timestamp in milliseconds (Loki prints seconds with 3 decimals) and value.</summary>
public readonly record struct Point(long TimestampMs, double Value);

public sealed class Series(Labels labels, List<Point> points)
{
    public Labels Labels { get; } = labels;
    public List<Point> Points { get; } = points;
}

public sealed class MatrixResult(List<Series> series) : QueryResult
{
    public override string ResultType => "matrix";
    public List<Series> Series { get; } = series;
}

public readonly record struct Sample(Labels Labels, long TimestampMs, double Value);

public sealed class VectorResult(List<Sample> samples) : QueryResult
{
    public override string ResultType => "vector";
    public List<Sample> Samples { get; } = samples;
}

public sealed class ScalarResult(long timestampMs, double value) : QueryResult
{
    public override string ResultType => "scalar";
    public long TimestampMs { get; } = timestampMs;
    public double Value { get; } = value;
}
