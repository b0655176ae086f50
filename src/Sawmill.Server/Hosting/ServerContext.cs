using Microsoft.Extensions.Logging;
using Sawmill.LogQL.Engine;
using Sawmill.Server.Config;
using Sawmill.Server.Distribution;
using Sawmill.Storage;

namespace Sawmill.Server.Hosting;

/// <summary>
/// Everything the endpoints and background services share: the effective config, the store, per-tenant limits,
/// the distributor and the query engine. Built once at start-up; thread-safe.
/// </summary>
public sealed class ServerContext
{
    public required SawmillConfig Config { get; init; }
    public required LogStore Store { get; init; }

    /// <summary>The store as queries see it: retention and delete requests applied. Use this, not <see cref="Store"/>, to read.</summary>
    public required Sawmill.Core.ILogReader Reader { get; init; }

    public required Sawmill.Server.Retention.DeleteRequestStore Deletes { get; init; }
    public required TenantLimits Limits { get; init; }
    public required Distributor Distributor { get; init; }
    public required IQueryEngine Engine { get; init; }
    public required ILoggerFactory LoggerFactory { get; init; }
    public DateTime StartedUtc { get; } = DateTime.UtcNow;
}
