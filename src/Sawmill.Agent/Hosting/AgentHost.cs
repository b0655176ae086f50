using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sawmill.Agent.Client;
using Sawmill.Agent.Config;
using Sawmill.Agent.Discovery;
using Sawmill.Agent.Positions;
using Sawmill.Agent.Tailing;

namespace Sawmill.Agent.Hosting;

/// <summary>
/// A running agent: positions, clients (or the dry-run printer), the target manager with its tailers, and the
/// HTTP server with <c>/metrics</c> and <c>/ready</c>. <see cref="StopAsync"/> is the graceful shutdown: readers stop
/// and flush their pipelines, clients send what they hold (spilling to disk what the server cannot take in time),
/// and positions are saved.
/// </summary>
public sealed class AgentHost : IAsyncDisposable
{
    private readonly CancellationTokenSource _shutdown = new();
    private readonly List<LokiClient> _clients = [];
    private readonly ILogger _logger;
    private TargetManager _targets = null!;
    private Task _targetLoop = Task.CompletedTask;
    private WebApplication? _web;
    private bool _stopped;

    private AgentHost(AgentConfig config, AgentHostOptions options, ILoggerFactory loggers)
    {
        Config = config;
        Options = options;
        LoggerFactory = loggers;
        _logger = loggers.CreateLogger("agent");
    }

    public AgentConfig Config { get; }
    public AgentHostOptions Options { get; }
    public ILoggerFactory LoggerFactory { get; }
    public AgentMetrics Metrics { get; } = new();
    public PositionsFile Positions { get; private set; } = null!;
    public TargetManager Targets => _targets;
    public IReadOnlyList<LokiClient> Clients => _clients;
    /// <summary>The address of the agent's own HTTP server, null when disabled.</summary>
    public Uri? HttpAddress { get; private set; }

    public static async Task<AgentHost> StartAsync(AgentConfig config, AgentHostOptions options, ILoggerFactory loggers)
    {
        var host = new AgentHost(config, options, loggers);
        await host.StartCoreAsync();
        return host;
    }

    private async Task StartCoreAsync()
    {
        foreach (var w in Config.Warnings)
            _logger.LogWarning("config: {Warning}", w);
        if (Config.Clients.Count == 0 && !Options.DryRun)
            throw new ConfigException("at least one client must be configured (clients: - url: http://host:3100/loki/api/v1/push)");
        Positions = PositionsFile.Open(Config.Positions.Filename, Config.Positions.IgnoreInvalidYaml);
        IEntrySink sink;
        if (Options.DryRun)
        {
            sink = new DryRunSink(Options.Output ?? Console.Out, Config.Clients.Count > 0 ? Config.Clients[0].ExternalLabels : new Dictionary<string, string>());
        }
        else
        {
            for (var i = 0; i < Config.Clients.Count; i++)
            {
                var c = Config.Clients[i];
                var spillDir = Path.Combine(Positions.Directory, "sawmill-spill", $"client-{i}-{Sanitize(c.Url.Authority)}");
                _clients.Add(new LokiClient(c, Metrics, Positions, spillDir, LoggerFactory.CreateLogger("client")));
            }
            sink = new ClientFanout(_clients);
        }
        var tailerOptions = Options.Tailer with
        {
            MaxLineSize = Config.Limits.MaxLineSize,
            MaxLineSizeTruncate = Config.Limits.MaxLineSizeTruncate,
        };
        _targets = new TargetManager(Config, Options with { Tailer = tailerOptions }, Positions, sink, Metrics, LoggerFactory.CreateLogger("targets"));
        await _targets.StartDiscoveryAsync(Options.DiscoveryStartWait, _shutdown.Token);
        await _targets.SyncAsync(_shutdown.Token);
        _targetLoop = Task.Run(() => _targets.RunAsync(_shutdown.Token));
        if (!Options.DryRun || Options.HttpListenPort != null)
            await StartHttpAsync();
        if (!Options.DryRun)
            _ = Task.Run(PositionsSyncLoopAsync);
    }

    private async Task StartHttpAsync()
    {
        var port = Options.HttpListenPort ?? Config.Server.HttpListenPort;
        if (Config.Server.Disabled && Options.HttpListenPort == null)
            return;
        var address = Options.HttpListenAddress ?? Config.Server.HttpListenAddress;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://{(address is "0.0.0.0" or "" ? "*" : address)}:{port}");
        var app = builder.Build();
        app.MapGet("/metrics", () => Results.Text(Metrics.Expose(), "text/plain; version=0.0.4"));
        app.MapGet("/ready", () => _targets.Synced && !_stopped ? Results.Text("Ready\n") : Results.Text("Not ready\n", statusCode: 503));
        app.MapGet("/targets", () => Results.Text(string.Join('\n', _targets.ActivePaths) + "\n"));
        app.MapGet("/positions", () => Results.Json(Positions.Snapshot()));
        await app.StartAsync();
        _web = app;
        var addr = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        HttpAddress = new Uri(addr.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("*", "127.0.0.1", StringComparison.Ordinal));
        _logger.LogInformation("listening addr={Address}", HttpAddress.ToString().TrimEnd('/'));
    }

    private async Task PositionsSyncLoopAsync()
    {
        while (!_shutdown.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Config.Positions.SyncPeriod, _shutdown.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                Positions.SaveIfDirty();
            }
            catch (IOException e)
            {
                _logger.LogError("cannot save positions to {Path}: {Message}", Positions.FilePath, e.Message);
            }
        }
    }

    /// <summary>Graceful shutdown (SIGTERM, Ctrl-C).</summary>
    public async Task StopAsync()
    {
        if (_stopped)
            return;
        _stopped = true;
        _logger.LogInformation("shutting down: flushing pipelines and batches");
        await _shutdown.CancelAsync();
        await _targetLoop;
        await _targets.StopAsync();
        await _targets.DisposeAsync();
        foreach (var c in _clients)
            await c.StopAsync(Options.ShutdownTimeout);
        if (!Options.DryRun)
            Positions.SaveIfDirty();
        if (_web != null)
            await _web.StopAsync();
        _logger.LogInformation("stopped");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        foreach (var c in _clients)
            await c.DisposeAsync();
        if (_web != null)
            await _web.DisposeAsync();
        _shutdown.Dispose();
    }

    private static string Sanitize(string s)
    {
        var chars = s.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
            if (!char.IsAsciiLetterOrDigit(chars[i]) && chars[i] != '.' && chars[i] != '-')
                chars[i] = '_';
        return new string(chars);
    }
}
