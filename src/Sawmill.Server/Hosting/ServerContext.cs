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

    /// <summary>Builds an engine over another reader (live tail runs each new batch through one over a snapshot).</summary>
    public Func<Sawmill.Core.ILogReader, ILoggerFactory, IQueryEngine> EngineFactory { get; init; } = QueryEngineFactory.Create;

    /// <summary>Live tail subscriptions; the distributor publishes every acknowledged push here.</summary>
    public Sawmill.Server.Tailing.TailHub Tails { get; init; } = new();
    /// <summary>The runtime overrides watcher when <c>runtime_config.file</c> is set (per-tenant limits, reloaded live).</summary>
    public Sawmill.Server.Tenancy.RuntimeOverrides? RuntimeOverrides { get; init; }

    /// <summary>Applies retention and delete requests to disk every <c>compactor.compaction_interval</c>.</summary>
    public Sawmill.Server.Retention.Compactor? Compactor { get; set; }

    public DateTime StartedUtc { get; } = DateTime.UtcNow;
}
