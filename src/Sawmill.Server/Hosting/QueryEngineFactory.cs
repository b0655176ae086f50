using Microsoft.Extensions.Logging;
using Sawmill.Core;
using Sawmill.LogQL.Engine;

namespace Sawmill.Server.Hosting;

/// <summary>Creates the LogQL engine the HTTP API, the tail and the ruler share.</summary>
public static class QueryEngineFactory
{
    public static IQueryEngine Create(ILogReader reader, ILoggerFactory loggers) => new LogQLEngine(reader, loggers.CreateLogger<LogQLEngine>());
}
