using Sawmill.Core;
using Sawmill.LogQL.Syntax;

namespace Sawmill.LogQL.Engine;

/// <summary>
/// Runs LogQL against a store. The HTTP API and the ruler both go through this one contract.
/// Errors: <see cref="LogQLException"/> subclasses whose messages are Loki's texts
/// (<see cref="ParseException"/> and <see cref="QueryLimitException"/> map to HTTP 400).
/// Cancellation: honours <paramref name="cancellationToken"/> between blocks of work.
/// </summary>
public interface IQueryEngine
{
    Task<QueryResult> ExecuteAsync(string tenant, QueryParams query, QueryLimits limits, CancellationToken cancellationToken);

    /// <summary>Bytes of log lines per group of streams over time (Loki's volume endpoints), under the same limits.</summary>
    Task<VolumeResult> VolumeAsync(string tenant, VolumeQuery query, QueryLimits limits, CancellationToken cancellationToken);
}

/// <summary>A query rejected by a limit (series, entries, length); HTTP 400.</summary>
public class QueryLimitException(string message) : LogQLException(message);
