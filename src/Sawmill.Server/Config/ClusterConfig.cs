namespace Sawmill.Server.Config;

/// <summary>
/// What the scalable deployment (<c>-target=write|read|backend</c>) needs: the ring, the object store and the read
/// path's cache, under Loki's keys (<c>common.ring</c>, <c>common.storage.s3</c> / <c>storage_config.aws</c>,
/// <c>querier.query_ingesters_within</c>…). Unused with <c>-target=all</c>. Immutable.
/// </summary>
public sealed record ClusterConfig
{
    /// <summary>Address other nodes reach this one at (<c>common.instance_addr</c>); empty: the first non-loopback address.</summary>
    public string InstanceAddr { get; init; } = "";

    /// <summary>Ring instance id (<c>common.ring.instance_id</c>); empty: the host name, plus the port when several nodes share a host.</summary>
    public string InstanceId { get; init; } = "";

    public int ReplicationFactor { get; init; } = 3;

    /// <summary><c>kvstore.store</c>: <c>etcd</c> or <c>inmemory</c>.</summary>
    public string KvStore { get; init; } = "inmemory";

    public IReadOnlyList<string> EtcdEndpoints { get; init; } = [];
    public TimeSpan EtcdDialTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public string EtcdUsername { get; init; } = "";
    public string EtcdPassword { get; init; } = "";

    /// <summary>Key prefix of the rings in the store (Loki's <c>kvstore.prefix</c>).</summary>
    public string KvPrefix { get; init; } = "collectors/";

    public TimeSpan HeartbeatPeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A member silent this long is unhealthy, and is removed from the ring (its lease expires).</summary>
    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromMinutes(1);

    public int NumTokens { get; init; } = 128;

    /// <summary>Queries reaching back less than this ask the ingesters too (Loki's default 3h).</summary>
    public TimeSpan QueryIngestersWithin { get; init; } = TimeSpan.FromHours(3);

    /// <summary>How often read and backend nodes list the bucket for new blocks (Loki's <c>resync_interval</c>).</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a write node keeps serving a block it uploaded (<c>ingester.chunk_retain_period</c>; at least a resync interval and a minute).</summary>
    public TimeSpan ChunkRetainPeriod { get; init; }

    /// <summary>Local cache of bucket blocks on read and backend nodes; empty: <c>&lt;path_prefix&gt;/cache</c>.</summary>
    public string CacheLocation { get; init; } = "";

    /// <summary>Disk budget of the chunk segment cache (Sawmill's <c>storage_config.cache_max_size</c>).</summary>
    public long CacheMaxBytes { get; init; } = 10L << 30;

    /// <summary>The S3 bucket when one is configured; otherwise the filesystem bucket in <see cref="FilesystemDirectory"/>.</summary>
    public Storage.Bucket.S3Options? S3 { get; init; }

    /// <summary>The filesystem object store's directory; empty: <c>&lt;path_prefix&gt;/chunks</c>.</summary>
    public string FilesystemDirectory { get; init; } = "";

    /// <summary>Range queries longer than this are split into pieces of it, run in parallel on the read nodes.</summary>
    public TimeSpan SplitQueriesByInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long a block the compactor replaced stays in the bucket for readers that still list it.</summary>
    public TimeSpan RetentionDeleteDelay { get; init; } = TimeSpan.FromHours(2);

    /// <summary>The retain period actually used: <see cref="ChunkRetainPeriod"/>, at least a resync interval plus a minute.</summary>
    public TimeSpan EffectiveRetainPeriod => ChunkRetainPeriod > ResyncInterval + TimeSpan.FromMinutes(1) ? ChunkRetainPeriod : ResyncInterval + TimeSpan.FromMinutes(1);
}
