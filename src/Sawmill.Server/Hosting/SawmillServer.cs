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
        var store = await LogStore.OpenAsync(new LogStoreOptions
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
        }, loggerFactory.CreateLogger("storage"));

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
                await store.DisposeAsync();
                throw;
            }
        }
        var deletes = new Retention.DeleteRequestStore(dataDir, config.DeleteRequestCancelPeriod);
        var retention = new Retention.RetentionPolicy(limits);
        var governed = new Retention.GovernedReader(store, retention, deletes);
        var reader = new Tenancy.MultiTenantReader(governed);
        var context = new ServerContext
        {
            Config = config,
            Store = store,
            Reader = reader,
            Deletes = deletes,
            Limits = limits,
            Distributor = new Distributor(store, limits, store.HasStream, store.StreamCount),
            Engine = engineFactory(reader, loggerFactory),
            EngineFactory = engineFactory,
            LoggerFactory = loggerFactory,
            RuntimeOverrides = overrides,
        };
        context.Distributor.Pushed = context.Tails.Publish;

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

        context.Compactor = new Retention.Compactor(store, retention, deletes, config.RetentionEnabled, config.CompactionInterval, loggerFactory.CreateLogger("compactor"))
        {
            RecompressAfter = config.RecompressAfter,
        };
        var server = new SawmillServer(app, context, logger);
        await app.StartAsync();
        context.Compactor.Start();
        // The listening line is logged even at -log.level=warn/error: tools and tests find the bound port in it.
        var startup = loggerFactory.CreateLogger(SawmillLogging.StartupCategory);
        foreach (var addr in server.Addresses)
            startup.LogInformation("HTTP server listening addr={Addr}", addr.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        logger.LogInformation("Sawmill started data_dir={DataDir} auth_enabled={AuthEnabled}", dataDir, config.AuthEnabled);
        return server;
    }

    /// <summary>Loki's <c>chunk_encoding</c> names onto the codecs the store has (gzip/flate are stored as zstd, warned about at load).</summary>
    private static Sawmill.Storage.Chunks.ChunkCodec ChunkCodecOf(string encoding) => encoding switch
    {
        "snappy" => Sawmill.Storage.Chunks.ChunkCodec.Snappy,
        "none" => Sawmill.Storage.Chunks.ChunkCodec.None,
        _ when encoding.StartsWith("lz4", StringComparison.Ordinal) => Sawmill.Storage.Chunks.ChunkCodec.Lz4,
        _ => Sawmill.Storage.Chunks.ChunkCodec.Zstd,
    };

    /// <summary>Every endpoint group. Components add their routes here, one line each.</summary>
    private static void MapEndpoints(WebApplication app, ServerContext context)
    {
        PushEndpoints.Map(app, context);
        QueryEndpoints.Map(app, context);
        MetadataEndpoints.Map(app, context);
        StatusEndpoints.Map(app, context);
        ExploreEndpoints.Map(app, context);
        DeleteEndpoints.Map(app, context);
        TailEndpoints.Map(app, context);
        Web.WebUiEndpoints.Map(app, context);
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
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (Context.Compactor != null)
            await Context.Compactor.DisposeAsync();
        Context.RuntimeOverrides?.Dispose();
        await Context.Store.DisposeAsync();
        _logger.LogInformation("stopped; the WAL is closed");
        Context.LoggerFactory.Dispose();
    }
}
