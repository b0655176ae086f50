using Microsoft.Extensions.Logging;
using Sawmill.Core;
using Sawmill.LogQL.Engine;

namespace Sawmill.Server.Hosting;

/// <summary>Creates the LogQL engine the HTTP API and the ruler share.</summary>
public static class QueryEngineFactory
{
    public static IQueryEngine Create(ILogReader reader, ILoggerFactory loggers) => new PendingEngine();

    // Replaced by Sawmill.LogQL's engine as soon as it lands on main; until then queries answer a clear error.
    private sealed class PendingEngine : IQueryEngine
    {
        public Task<QueryResult> ExecuteAsync(string tenant, QueryParams query, QueryLimits limits, CancellationToken cancellationToken) =>
            throw new LogQLException("the LogQL engine is not part of this build yet");
    }
}
