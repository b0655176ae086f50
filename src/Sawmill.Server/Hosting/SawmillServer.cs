using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.Server.Api;
using Sawmill.Cluster.Remote;
using Sawmill.Cluster.Ring;
using Sawmill.Server.Cluster;
using Sawmill.Server.Config;
using Sawmill.Server.Distribution;
using Sawmill.Server.Protocol;
using Sawmill.Server.Telemetry;
using Sawmill.Storage;

namespace Sawmill.Server.Hosting;

/// <summary>
/// Runs the server: opens the store (replaying the WAL), builds the distributor and engine, maps every endpoint and
/// listens. Endpoint groups register in <see cref="MapEndpoints"/> — the one place where a component (ruler, UI,
/// Grafana extras) adds its routes with one line.
/// </summary>
public sealed class SawmillServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ILogger _logger;

    private SawmillServer(WebApplication app, ServerContext context, ILogger logger)
    {
        _app = app;
        Context = context;
        _logger = logger;
    }

    public ServerContext Context { get; }

    /// <summary>The addresses actually bound (with the real port when 0 was asked for).</summary>
    public IReadOnlyList<string> Addresses =>
        _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    public static async Task<SawmillServer> StartAsync(SawmillConfig config, Func<ILogReader, ILoggerFactory, IQueryEngine> engineFactory)
    {
        var loggerFactory = LoggerFactory.Create(b => SawmillLogging.Configure(b, config.LogLevel, config.LogFormat));
        var logger = loggerFactory.CreateLogger("sawmill");
        foreach (var warning in config.Warnings)
            logger.LogWarning("{Warning}", warning);

        var dataDir = Path.GetFullPath(config.PathPrefix);
        Directory.CreateDirectory(dataDir);
        var target = config.Target;
        if (target is "read" or "backend")
        {
            // Queries read synchronously (the engine pulls entries) and wait there on ingester answers and bucket range
            // reads: enough pool threads from the start that such waits do not queue behind the pool's slow growth.
            ThreadPool.GetMinThreads(out var workers, out var io);
            ThreadPool.SetMinThreads(Math.Max(workers, 64), io);
        }
        // Write, read and backend nodes share a ring store and a bucket (Loki's simple scalable deployment).
        var cluster = target == "all" ? null : await ClusterNode.CreateAsync(config, dataDir, loggerFactory, CancellationToken.None);
        LogStore? store = null;
        try
        {
            if (target is "all" or "write")
                store = await LogStore.OpenAsync(new LogStoreOptions
                {
                    Directory = dataDir,
                    OutOfOrderWindow = config.MaxChunkAge / 2,
                    SyncMode = config.WalSync == "os" ? WalSyncMode.Os : WalSyncMode.Batch,
                    Codec = ChunkCodecOf(config.ChunkEncoding),
                    ChunkTargetSize = config.ChunkTargetSize,
                    BlockSize = config.ChunkBlockSize,
                    ChunkIdlePeriod = config.ChunkIdlePeriod,
                    MaxChunkAge = config.MaxChunkAge,
                    FlushCheckPeriod = config.FlushCheckPeriod,
                    Recompression = new Storage.Compaction.RecompressionSettings { ZstdLevel = config.RecompressLevel },
                    Bucket = cluster?.Bucket,
                    Origin = cluster?.InstanceId,
                    RetainAfterUpload = config.Cluster.EffectiveRetainPeriod,
                }, loggerFactory.CreateLogger("storage"));
        }
        catch
        {
            if (cluster != null)
                await cluster.DisposeAsync();
            throw;
        }

        var limits = new TenantLimits(config.Limits);
        Tenancy.RuntimeOverrides? overrides = null;
        if (!string.IsNullOrEmpty(config.RuntimeConfigFile))
        {
            try
            {
                overrides = Tenancy.RuntimeOverrides.Start(config.RuntimeConfigFile, config.RuntimeConfigPeriod, config.Limits, limits, loggerFactory.CreateLogger("runtime-config"));
            }
            catch
            {
                if (store != null)
                    await store.DisposeAsync();
                if (cluster != null)
                    await cluster.DisposeAsync();
                throw;
            }
        }
        ILogReader stored = target is "read" or "backend"
            ? new DistributedReader(cluster!.Ingesters, cluster.Blocks!, cluster.Client, config.Cluster.QueryIngestersWithin,
                config.Cluster.EffectiveRetainPeriod + TimeSpan.FromMinutes(10), loggerFactory.CreateLogger("querier"))
            : store!;
        // A single process keeps delete requests on its disk; the nodes of a scalable deployment share them in the bucket
        // (recorded on backends, hidden on read nodes, applied by the compactor), each re-reading them periodically.
        Retention.DeleteRequestStore deletes;
        if (cluster == null)
        {
            deletes = new Retention.DeleteRequestStore(dataDir, config.DeleteRequestCancelPeriod);
        }
        else
        {
            deletes = await Retention.DeleteRequestStore.OpenSharedAsync(cluster.Bucket, config.DeleteRequestCancelPeriod, CancellationToken.None);
            cluster.RefreshPeriodically(TimeSpan.FromTicks(Math.Min(config.Cluster.ResyncInterval.Ticks, TimeSpan.FromSeconds(10).Ticks)), deletes.RefreshAsync, "delete requests");
        }
        var retention = new Retention.RetentionPolicy(limits);
        var governed = new Retention.GovernedReader(stored, retention, deletes);
        var reader = new Tenancy.MultiTenantReader(governed);
        Distributor? distributor = null;
        if (target == "all")
            distributor = new Distributor(store!, limits, store!.HasStream, store!.StreamCount);
        else if (target == "write")
            distributor = WriteNodeDistributor(store!, cluster!, limits, loggerFactory);
        var engine = engineFactory(reader, loggerFactory);
        QueryFrontend? frontend = null;
        if (target == "read")
            engine = frontend = new QueryFrontend(engine, cluster!, config.Cluster.SplitQueriesByInterval, loggerFactory.CreateLogger("frontend"));
        var context = new ServerContext
        {
            Config = config,
            Store = store,
            Reader = reader,
            Deletes = deletes,
            Limits = limits,
            Distributor = distributor,
            Engine = engine,
            Frontend = frontend,
            EngineFactory = engineFactory,
            LoggerFactory = loggerFactory,
            RuntimeOverrides = overrides,
            Cluster = cluster,
        };
        if (distributor != null)
            distributor.Pushed = context.Tails.Publish;

        // Sawmill reads its own YAML, never appsettings.json: the content root is the binary's directory and config reload
        // is off. Otherwise the host watches the working directory recursively (inotify) for settings changes — and the
        // default data directory ./data lives there, so every WAL write and flush woke a watcher thread (≈10% of a
        // core under a push load).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        SawmillLogging.Configure(builder.Logging, config.LogLevel, config.LogFormat);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = config.MaxRecvMsgSize;
            k.AddServerHeader = false;
            if (IPAddress.TryParse(config.HttpListenAddress, out var ip))
                k.Listen(ip, config.HttpListenPort);
            else if (config.HttpListenAddress is "localhost" or "")
                k.Listen(IPAddress.Loopback, config.HttpListenPort);
            else
                k.Listen(Dns.GetHostAddresses(config.HttpListenAddress).First(), config.HttpListenPort);
        });
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        app.Use(ErrorHandling);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        MapEndpoints(app, context);

        if (target == "all")
            context.Compactor = new Retention.Compactor(store!, retention, deletes, config.RetentionEnabled, config.CompactionInterval, loggerFactory.CreateLogger("compactor"))
            {
                RecompressAfter = config.RecompressAfter,
            };
        if (target == "backend")
            context.BucketCompactor = new BucketCompactorService(cluster!, config, retention, deletes, dataDir, loggerFactory);
        if (target == "read")
        {
            var feed = new RemoteTailFeed(context.Tails, cluster!.Ingesters, cluster.Client, loggerFactory.CreateLogger("tail"));
            context.TailFeedReady = feed.ReadyAsync;
            context.TailFeed = feed;
        }
        var server = new SawmillServer(app, context, logger);
        await app.StartAsync();
        context.Compactor?.Start();
        context.BucketCompactor?.Start();
        if (cluster != null)
        {
            var port = new Uri(server.Addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)).Port;
            try
            {
                await cluster.JoinAsync(port, store == null ? null : d => d with { OldestUnshippedNs = store.OldestUnshippedNs() }, CancellationToken.None);
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
        context.Ready = true;
        // The listening line is logged even at -log.level=warn/error: tools and tests find the bound port in it.
        var startup = loggerFactory.CreateLogger(SawmillLogging.StartupCategory);
        foreach (var addr in server.Addresses)
            startup.LogInformation("HTTP server listening addr={Addr}", addr.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        logger.LogInformation("Sawmill started target={Target} data_dir={DataDir} auth_enabled={AuthEnabled}", target, dataDir, config.AuthEnabled);
        return server;
    }

    /// <summary>
    /// A write node's distributor: pushes are replicated to the ingesters on the ring. The stream limit is judged from
    /// this ingester's share of the streams (Loki converts the global limit into a per-ingester one the same way): a
    /// stream this node does not own counts as known, and the tenant's count is scaled by nodes / replication factor.
    /// </summary>
    private static Distributor WriteNodeDistributor(LogStore store, ClusterNode cluster, TenantLimits limits, ILoggerFactory loggers)
    {
        var writer = new ReplicatingWriter(cluster.Ingesters, cluster.InstanceId, store, cluster.Client, loggers.CreateLogger("distributor"));
        var rf = Math.Max(1, cluster.Ingesters.Current.ReplicationFactor);
        bool Exists(string tenant, Labels labels)
        {
            try
            {
                var set = cluster.Ingesters.Current.Get(HashRing.TokenFor(tenant, labels.ToString()), Sawmill.Cluster.Ring.Operation.Write, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                return !set.Instances.Any(i => i.Id == cluster.InstanceId) || store.HasStream(tenant, labels);
            }
            catch (RingException)
            {
                return true;
            }
        }
        int Count(string tenant) => (int)Math.Min(int.MaxValue, (long)store.StreamCount(tenant) * Math.Max(1, cluster.Ingesters.Current.Instances.Count) / rf);
        return new Distributor(writer, limits, Exists, Count);
    }

    /// <summary>Loki's <c>chunk_encoding</c> names onto the codecs the store has (gzip/flate are stored as zstd, warned about at load).</summary>
    private static Sawmill.Storage.Chunks.ChunkCodec ChunkCodecOf(string encoding) => encoding switch
    {
        "snappy" => Sawmill.Storage.Chunks.ChunkCodec.Snappy,
        "none" => Sawmill.Storage.Chunks.ChunkCodec.None,
        _ when encoding.StartsWith("lz4", StringComparison.Ordinal) => Sawmill.Storage.Chunks.ChunkCodec.Lz4,
        _ => Sawmill.Storage.Chunks.ChunkCodec.Zstd,
    };

    /// <summary>
    /// Every endpoint group, by target: <c>all</c> serves everything; a write node the push API and the ingester's
    /// endpoints; a read node the query, metadata, tail and UI APIs; a backend node the delete and ruler APIs. Components
    /// add their routes here, one line each.
    /// </summary>
    private static void MapEndpoints(WebApplication app, ServerContext context)
    {
        var target = context.Config.Target;
        StatusEndpoints.Map(app, context);
        if (target is "all" or "write")
            PushEndpoints.Map(app, context);
        if (context.Cluster != null)
            RingEndpoints.Map(app, context.Cluster);
        if (target == "write")
            IngesterEndpoints.Map(app, context, context.Cluster!);
        if (target == "all")
            IngesterEndpoints.MapFlush(app, context.Store!);
        context.Frontend?.Map(app, context);
        if (target is "all" or "read")
        {
            QueryEndpoints.Map(app, context);
            MetadataEndpoints.Map(app, context);
            ExploreEndpoints.Map(app, context);
            TailEndpoints.Map(app, context);
            Web.WebUiEndpoints.Map(app, context);
        }
        if (target is "all" or "backend")
            DeleteEndpoints.Map(app, context);
        if (target is "all" or "backend")
            RulerEndpoints.Map(app, context);
    }

    /// <summary>Maps exceptions to Loki's statuses and plain-text bodies and records request durations.</summary>
    private static async Task ErrorHandling(HttpContext http, Func<Task> next)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await next();
        }
        catch (ApiException e)
        {
            await WriteError(http, e.Status, e.Message);
        }
        catch (PushDecodeException e)
        {
            await WriteError(http, 400, e.Message);
        }
        catch (BadHttpRequestException e)
        {
            await WriteError(http, e.StatusCode, e.Message);
        }
        catch (Exception e) when (e is ReplicationException or RingException or RemoteException or Sawmill.Storage.Bucket.BucketException)
        {
            // The cluster could not serve the request (too few live replicas, a peer or the bucket unreachable): 500
            // with the reason, as Loki answers, so that clients retry.
            await WriteError(http, 500, e.Message);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away: Loki logs 499 (client closed request); nobody reads the body.
            http.Response.StatusCode = 499;
        }
        finally
        {
            var endpoint = http.GetEndpoint() as RouteEndpoint;
            ServerMetrics.RequestDuration
                .WithLabels(http.Request.Method, endpoint?.RoutePattern.RawText ?? "other", http.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Observe(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    /// <summary>
    /// Loki's error body: the message as plain text. Where Loki writes it with Go's http.Error (push, delete requests,
    /// the missing-tenant 401) it ends with a newline; the query, label, series and index endpoints write the message
    /// alone (Loki's server.WriteError).
    /// </summary>
    private static async Task WriteError(HttpContext http, int status, string message)
    {
        if (http.Response.HasStarted)
            return;
        http.Response.Clear();
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        var path = http.Request.Path;
        var newline = status == 401 || path.StartsWithSegments("/loki/api/v1/push") || path.StartsWithSegments("/api/prom/push") ||
                      path.StartsWithSegments("/loki/api/v1/delete") || path.StartsWithSegments("/loki/api/v1/cache/generation_numbers");
        await http.Response.WriteAsync(newline && !message.EndsWith('\n') ? message + "\n" : message);
    }

    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        _logger.LogInformation("shutting down");
        // A write node stops taking new writes first, so distributors send them to the other replicas meanwhile.
        if (Context.Cluster?.Lifecycler != null && Context.Store != null)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await Context.Cluster.Lifecycler.SetLeavingAsync(cts.Token);
            }
            catch (Exception e)
            {
                _logger.LogWarning("could not mark this node leaving: {Message}", e.Message);
            }
        }
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (Context.Compactor != null)
            await Context.Compactor.DisposeAsync();
        if (Context.BucketCompactor != null)
            await Context.BucketCompactor.DisposeAsync();
        if (Context.TailFeed != null)
            await Context.TailFeed.DisposeAsync();
        Context.Frontend?.Dispose();
        Context.RuntimeOverrides?.Dispose();
        if (Context.Store != null)
            await Context.Store.DisposeAsync();
        if (Context.Cluster != null)
        {
            using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
                await Context.Cluster.LeaveAsync(cts.Token);
            await Context.Cluster.DisposeAsync();
        }
        _logger.LogInformation(Context.Store != null ? "stopped; the WAL is closed" : "stopped");
        Context.LoggerFactory.Dispose();
    }
}
