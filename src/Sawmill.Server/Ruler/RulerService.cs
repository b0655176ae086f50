using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sawmill.LogQL.Engine;
using Sawmill.Server.Api;
using Sawmill.Server.Hosting;

namespace Sawmill.Server.Ruler;

/// <summary>
/// The ruler inside the server: builds store, notifier, remote-write queues and manager from the <c>ruler:</c>
/// section, maps the API, starts evaluating when the host has started and stops (saving alert state) when it stops.
/// <see cref="Map"/> is the one line the server calls.
/// </summary>
public sealed class RulerService : IAsyncDisposable
{
    private readonly AlertmanagerNotifier _notifier;
    private readonly List<RemoteWriteQueue> _queues;

    private RulerService(RuleStore store, RulerManager manager, AlertmanagerNotifier notifier, List<RemoteWriteQueue> queues)
    {
        Store = store;
        Manager = manager;
        _notifier = notifier;
        _queues = queues;
    }

    public RuleStore Store { get; }
    public RulerManager Manager { get; }

    public static void Map(WebApplication app, ServerContext ctx)
    {
        var config = RulerConfig.FromYaml(ctx.Config.Extra.GetValueOrDefault("ruler"), ctx.Config.HttpListenPort);
        if (!config.Enabled)
            return;
        var service = Create(config, ctx.Config.PathPrefix, ctx.Engine, t => QueryEndpoints.EngineLimits(ctx.Limits.For(t)), ctx.LoggerFactory.CreateLogger("ruler"));
        if (config.EnableApi)
            RulerEndpoints.Map(app, ctx, service);
        app.Lifetime.ApplicationStarted.Register(service.Manager.Start);
        app.Lifetime.ApplicationStopping.Register(() => service.DisposeAsync().AsTask().GetAwaiter().GetResult());
    }

    public static RulerService Create(RulerConfig config, string dataDir, IQueryEngine engine, Func<string, QueryLimits> limits, ILogger logger)
    {
        var rulerDir = Path.Combine(Path.GetFullPath(dataDir), "ruler");
        var store = new RuleStore(config.Directory ?? Path.Combine(Path.GetFullPath(dataDir), "rules"));
        var notifier = new AlertmanagerNotifier(config.AlertmanagerUrls, config.NotificationQueueCapacity, config.NotificationTimeout, logger);
        var queues = config.RemoteWriteEnabled
            ? config.RemoteWrite.Select(c => new RemoteWriteQueue(c, Path.Combine(rulerDir, "remote-write", Sanitize(c.Name)), logger)).ToList()
            : [];
        var runtime = new RulerRuntime
        {
            State = new AlertStateStore(Path.Combine(rulerDir, "state")),
            ResendDelay = config.ResendDelay,
            ExternalUrl = config.ExternalUrl,
            ExternalLabels = config.ExternalLabels,
            Limits = limits,
            Notify = notifier.Send,
            Record = samples =>
            {
                if (queues.Count == 0)
                    return;
                var frame = RemoteWriteEncoder.Encode(samples);
                foreach (var q in queues)
                    q.Append(frame);
            },
        };
        var manager = new RulerManager(store, engine, runtime, config, logger);
        logger.LogInformation("ruler enabled rules_dir={Dir} alertmanagers={Count} remote_write_clients={Clients}", store.Directory, config.AlertmanagerUrls.Count, queues.Count);
        return new RulerService(store, manager, notifier, queues);
    }

    private static string Sanitize(string name) => string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_'));

    public async ValueTask DisposeAsync()
    {
        await Manager.DisposeAsync();
        await _notifier.DisposeAsync();
        foreach (var q in _queues)
            await q.DisposeAsync();
    }
}
