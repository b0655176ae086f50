using Microsoft.Extensions.Logging;
using Sawmill.LogQL.Engine;

namespace Sawmill.Ruler;

/// <summary>
/// The ruler as one service: builds store, notifier, remote-write queues and manager from the <c>ruler:</c> section.
/// The server hosts it (<c>Sawmill.Server.Api.RulerEndpoints.Map</c> maps its API, starts evaluating when the host
/// has started and disposes it, saving alert state, when the host stops).
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
