using Sawmill.Core;

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
}

/// <summary>Base of every query error; <see cref="Exception.Message"/> is the text returned to clients.</summary>
public class LogQLException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A query that does not parse; message like Loki's <c>parse error at line 1, col 14: syntax error: …</c>.</summary>
public class ParseException(string message, int line = 0, int column = 0) : LogQLException(message)
{
    public int Line { get; } = line;
    public int Column { get; } = column;
}

/// <summary>A query rejected by a limit (series, entries, length); HTTP 400.</summary>
public class QueryLimitException(string message) : LogQLException(message);
