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

    /// <summary>The local store: the whole database with <c>-target=all</c>, the ingester's with <c>write</c>; null on read and backend nodes.</summary>
    public LogStore? Store { get; init; }

    /// <summary>The store as queries see it: retention and delete requests applied. Use this, not <see cref="Store"/>, to read.</summary>
    public required Sawmill.Core.ILogReader Reader { get; init; }

    public required Sawmill.Server.Retention.DeleteRequestStore Deletes { get; init; }
    public required TenantLimits Limits { get; init; }
    /// <summary>The write path (<c>all</c> and <c>write</c> targets; null on read and backend nodes).</summary>
    public Distributor? Distributor { get; init; }
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

    /// <summary>The ring, bucket and peers of a write, read or backend node; null with <c>-target=all</c>.</summary>
    public Sawmill.Server.Cluster.ClusterNode? Cluster { get; init; }

    /// <summary>
    /// Read nodes: completes once the live feeds of a tenant's tail are connected to every write node (called after a
    /// tail subscribes, before its history query, so nothing acknowledged in between is missed).
    /// </summary>
    public Func<string, CancellationToken, Task>? TailFeedReady { get; set; }

    /// <summary>Backend nodes: the compactor on the bucket (runs where the etcd lease is held).</summary>
    public Sawmill.Server.Cluster.BucketCompactorService? BucketCompactor { get; set; }

    /// <summary>Read nodes: the query frontend that splits long range queries over the read nodes (it is also <see cref="Engine"/>).</summary>
    public Sawmill.Server.Cluster.QueryFrontend? Frontend { get; init; }

    /// <summary>Read nodes: the live feeds from the write nodes behind <see cref="TailFeedReady"/>.</summary>
    public Sawmill.Server.Cluster.RemoteTailFeed? TailFeed { get; set; }

    /// <summary>False until the node can serve (a cluster node: joined its ring); <c>/ready</c> answers 503 until then.</summary>
    public volatile bool Ready;
}
