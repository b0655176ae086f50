using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.LogQL.Syntax;

namespace Sawmill.Ruler.Tests;

/// <summary>An engine test double: answers each query text with a chosen vector, or throws a chosen error.</summary>
internal sealed class FakeEngine : IQueryEngine
{
    public Dictionary<string, Func<long, QueryResult>> Answers { get; } = new(StringComparer.Ordinal);
    public List<(string Query, long TimeNs)> Calls { get; } = [];

    public Task<QueryResult> ExecuteAsync(string tenant, QueryParams query, QueryLimits limits, CancellationToken cancellationToken)
    {
        lock (Calls)
            Calls.Add((query.Query, query.StartNs));
        if (!Answers.TryGetValue(query.Query, out var f))
            throw new ParseException("parse error at line 1, col 1: syntax error: unexpected IDENTIFIER");
        return Task.FromResult(f(query.StartNs));
    }

    /// <summary>The ruler never asks for volumes.</summary>
    public Task<VolumeResult> VolumeAsync(string tenant, VolumeQuery query, QueryLimits limits, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the ruler does not query volumes");

    public static VectorResult Vector(params (double Value, (string, string)[] Labels)[] samples) =>
        new(samples.Select(s => new Sample(Labels.From(s.Labels), 0, s.Value)).ToList());
}
