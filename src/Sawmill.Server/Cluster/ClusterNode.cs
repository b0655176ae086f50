using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Sawmill.Cluster.Remote;
using Sawmill.Cluster.Ring;
using Sawmill.Server.Config;
using Sawmill.Storage.Bucket;

namespace Sawmill.Server.Cluster;

/// <summary>
/// The distributed parts of a write, read or backend node (Loki's simple scalable deployment): the ring store, the
/// ingester ring and this node's membership in its own ring, the bucket, and on read and backend nodes the bucket
/// block view kept in sync every <c>resync_interval</c>. Built before the HTTP server starts; <see cref="JoinAsync"/>
/// registers the node once its port is known. Thread-safe.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    /// <summary>The ring of write nodes (ingesters), with tokens.</summary>
    public const string IngesterRing = "ingester";

    /// <summary>The ring of read nodes (queriers), without tokens: the query frontend spreads sub-queries over it.</summary>
    public const string ReaderRing = "querier";

    /// <summary>The ring of backend nodes: rule groups are sharded over its tokens.</summary>
    public const string BackendRing = "backend";

    private readonly ClusterConfig _config;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task? _syncLoop;
    private readonly List<Task> _loops = [];
    private string _nodeId = "";

    private ClusterNode(ClusterConfig config, string target, IKvStore kv, IBucket bucket, RingClient ingesters, IngesterClient client, ILogger logger)
    {
        _config = config;
        Target = target;
        Kv = kv;
        Bucket = bucket;
        Ingesters = ingesters;
        Client = client;
        _logger = logger;
    }

    public string Target { get; }
    public IKvStore Kv { get; }
    public IBucket Bucket { get; }
    public RingClient Ingesters { get; }
    public IngesterClient Client { get; }

    /// <summary>The bucket view (read and backend nodes).</summary>
    public BucketBlockSet? Blocks { get; private set; }

    /// <summary>The querier ring (read nodes see their peers in it).</summary>
    public RingClient? Readers { get; private set; }

    /// <summary>The backend ring (ruler sharding).</summary>
    public RingClient? Backends { get; private set; }

    /// <summary>This node's membership of its ring, once joined.</summary>
    public Lifecycler? Lifecycler { get; private set; }

    /// <summary>This node's id in its ring (<c>common.ring.instance_id</c>, default the host name).</summary>
    public string InstanceId { get; private init; } = "";

    public static IKvStore CreateKvStore(ClusterConfig c) => c.KvStore switch
    {
        "etcd" => new EtcdKvStore(c.EtcdEndpoints, c.EtcdDialTimeout, c.EtcdUsername, c.EtcdPassword),
        _ => new InMemoryKvStore(),
    };

    /// <summary>The configured object store: S3 when <c>common.storage.s3</c> / <c>storage_config.aws</c> names a bucket, else the filesystem.</summary>
    public static IBucket CreateBucket(ClusterConfig c, string dataDir) => c.S3 is { } s3
        ? new S3Bucket(s3)
        : new FileSystemBucket(c.FilesystemDirectory.Length > 0 ? c.FilesystemDirectory : Path.Combine(dataDir, "chunks"));

    public static async Task<ClusterNode> CreateAsync(SawmillConfig config, string dataDir, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var c = config.Cluster;
        var logger = loggers.CreateLogger("cluster");
        var kv = CreateKvStore(c);
        var bucket = CreateBucket(c, dataDir);
        var ingesters = new RingClient(kv, c.KvPrefix, IngesterRing, c.ReplicationFactor, c.HeartbeatTimeout, PollPeriod(c), loggers.CreateLogger("ring"));
        var node = new ClusterNode(c, config.Target, kv, bucket, ingesters, new IngesterClient(TimeSpan.FromSeconds(30)), logger)
        {
            InstanceId = c.InstanceId.Length > 0 ? c.InstanceId : Dns.GetHostName(),
            _nodeId = NodeId(dataDir),
        };
        try
        {
            await ingesters.StartAsync(cancellationToken).ConfigureAwait(false);
            if (config.Target is "read" or "backend")
            {
                var cacheDir = c.CacheLocation.Length > 0 ? c.CacheLocation : Path.Combine(dataDir, "cache");
                var cache = new SegmentCache(cacheDir, c.CacheMaxBytes, SegmentSize, loggers.CreateLogger("cache"));
                node.Blocks = new BucketBlockSet(bucket, cache, loggers.CreateLogger("bucket"));
                // A read node answers for everything in the bucket from its first request on: the first sync comes
                // before the node is ready.
                await node.Blocks.SyncAsync(cancellationToken).ConfigureAwait(false);
                node._syncLoop = Task.Run(node.SyncLoopAsync);
            }
            if (config.Target == "read")
            {
                node.Readers = new RingClient(kv, c.KvPrefix, ReaderRing, 1, c.HeartbeatTimeout, PollPeriod(c), loggers.CreateLogger("ring"));
                await node.Readers.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            if (config.Target == "backend")
            {
                node.Backends = new RingClient(kv, c.KvPrefix, BackendRing, 1, c.HeartbeatTimeout, PollPeriod(c), loggers.CreateLogger("ring"));
                await node.Backends.StartAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        logger.LogInformation("cluster node target={Target} kvstore={Kv} bucket={Bucket} replication_factor={Rf}", config.Target, kv.Description, bucket.Description, c.ReplicationFactor);
        return node;
    }

    /// <summary>This data directory's node id (created on first start): tells a restarted node from another one with its instance id.</summary>
    private static string NodeId(string dataDir)
    {
        var path = Path.Combine(dataDir, "node_id");
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } id)
            return id;
        id = Guid.NewGuid().ToString("N");
        File.WriteAllText(path, id);
        return id;
    }

    /// <summary>Bytes per cached chunk segment: a few chunks (chunk_target_size is 1.5 MiB compressed).</summary>
    public const int SegmentSize = 4 << 20;

    /// <summary>How often rings are re-read: often enough that a node's view trails a change by about a second.</summary>
    private static TimeSpan PollPeriod(ClusterConfig c) => TimeSpan.FromTicks(Math.Clamp(c.HeartbeatPeriod.Ticks / 2, TimeSpan.FromMilliseconds(200).Ticks, TimeSpan.FromSeconds(1).Ticks));

    /// <summary>
    /// Registers this node in its ring with <paramref name="port"/> (the bound HTTP port). Refuses to start when another
    /// live node already has this instance id at another address (two nodes would overwrite each other's entry).
    /// </summary>
    public async Task JoinAsync(int port, Func<InstanceDesc, InstanceDesc>? update, CancellationToken cancellationToken)
    {
        var c = _config;
        var host = c.InstanceAddr.Length > 0 ? c.InstanceAddr : FirstNonLoopbackAddress();
        var addr = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]:{port}" : $"{host}:{port}";
        var ring = Target switch
        {
            "write" => IngesterRing,
            "read" => ReaderRing,
            _ => BackendRing,
        };
        var client = Target switch
        {
            "write" => Ingesters,
            "read" => Readers!,
            _ => Backends!,
        };
        await client.RefreshAsync(cancellationToken).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (client.Current.Instances.FirstOrDefault(i => i.Id == InstanceId) is { } other && other.Node != _nodeId && other.IsHealthy(Operation.Read, c.HeartbeatTimeout, now))
            throw new ConfigException($"ring {ring} already has a live instance {InstanceId} at {other.Addr}; give each node its own common.ring.instance_id");
        var tokens = Target == "read" ? [] : HashRing.TokensFor(InstanceId, c.NumTokens);
        var desc = new InstanceDesc { Id = InstanceId, Addr = addr, Tokens = tokens, RegisteredMs = now, HeartbeatMs = now, Node = _nodeId };
        Lifecycler = new Lifecycler(Kv, c.KvPrefix, ring, desc, c.HeartbeatPeriod, c.HeartbeatTimeout, _logger) { Update = update };
        await Lifecycler.StartAsync(cancellationToken).ConfigureAwait(false);
        await client.RefreshAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The first up, non-loopback IPv4 address (Loki's default advertised address); 127.0.0.1 when there is none.</summary>
    public static string FirstNonLoopbackAddress()
    {
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback)
                continue;
            foreach (var a in nic.GetIPProperties().UnicastAddresses)
                if (a.Address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a.Address))
                    return a.Address.ToString();
        }
        return "127.0.0.1";
    }

    private async Task SyncLoopAsync()
    {
        var token = _stop.Token;
        var failing = false;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_config.ResyncInterval, token).ConfigureAwait(false);
                await Blocks!.SyncAsync(token).ConfigureAwait(false);
                failing = false;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                if (!failing)
                    _logger.LogError("bucket sync failed: {Message}; queries use the last view, the next sync retries", e.Message);
                failing = true;
            }
        }
    }

    /// <summary>Runs <paramref name="refresh"/> every <paramref name="period"/> until the node stops (failures are logged once per streak).</summary>
    public void RefreshPeriodically(TimeSpan period, Func<CancellationToken, Task> refresh, string what)
    {
        _loops.Add(Task.Run(async () =>
        {
            var token = _stop.Token;
            var failing = false;
            while (!token.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(period, token).ConfigureAwait(false);
                    await refresh(token).ConfigureAwait(false);
                    failing = false;
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    if (!failing)
                        _logger.LogError("refreshing {What} failed: {Message}; the next refresh retries", what, e.Message);
                    failing = true;
                }
            }
        }));
    }

    /// <summary>Leaves the ring now (graceful shutdown or <c>/ingester/shutdown</c>).</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        if (Lifecycler != null)
            await Lifecycler.LeaveAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_syncLoop != null)
            await _syncLoop.ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(false);
        if (Lifecycler != null)
            await Lifecycler.DisposeAsync().ConfigureAwait(false);
        await Ingesters.DisposeAsync().ConfigureAwait(false);
        if (Readers != null)
            await Readers.DisposeAsync().ConfigureAwait(false);
        if (Backends != null)
            await Backends.DisposeAsync().ConfigureAwait(false);
        Blocks?.Dispose();
        Bucket.Dispose();
        Client.Dispose();
        await Kv.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
