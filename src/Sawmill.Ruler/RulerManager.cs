using Microsoft.Extensions.Logging;
using Sawmill.LogQL.Engine;
using Sawmill.GoCompat;

namespace Sawmill.Ruler;

/// <summary>
/// Runs every tenant's rule groups from the <see cref="RuleStore"/> and keeps them in step with it: polls the store
/// every <c>poll_interval</c> (and on <see cref="SyncNow"/> after API writes), starts new groups, stops removed ones,
/// and restarts changed ones (alert state carries over through the state store). Unchanged groups keep running.
/// Rule files that fail to load are logged and reported by <see cref="LoadErrors"/>; they never stop other groups.
/// With <see cref="Shard"/> set (backend nodes of a scalable deployment) only the groups this node owns run, so each
/// group is evaluated — and each alert sent — once across the nodes; ownership is re-checked on every poll.
/// </summary>
public sealed class RulerManager : IAsyncDisposable
{
    private readonly RuleStore _store;
    private readonly IQueryEngine _engine;
    private readonly RulerRuntime _runtime;
    private readonly RulerConfig _config;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _syncLock = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, Running> _groups = new(StringComparer.Ordinal);
    private Task _poll = Task.CompletedTask;
    private string? _fingerprint;

    private sealed record Running(RuleGroup Group, string DefinitionYaml, CancellationTokenSource Stop, Task Loop);

    public RulerManager(RuleStore store, IQueryEngine engine, RulerRuntime runtime, RulerConfig config, ILogger logger)
    {
        _store = store;
        _engine = engine;
        _runtime = runtime;
        _config = config;
        _logger = logger;
    }

    public IReadOnlyList<string> LoadErrors { get; private set; } = [];

    /// <summary>
    /// Group sharding: whether this node runs a group (tenant, namespace, group), and a fingerprint of the ownership
    /// (the ring's members) that makes a poll re-sync when it changes. Null: every group runs here.
    /// </summary>
    public (Func<string, string, string, bool> Owns, Func<string> Fingerprint)? Shard { get; set; }

    public void Start() => _poll = Task.Run(PollAsync);

    /// <summary>Asks for a reload at once (after an API write); returns when it is done.</summary>
    public Task SyncNow() => SyncAsync(force: true);

    /// <summary>A consistent snapshot of a tenant's running groups, ordered by namespace then file order.</summary>
    public List<RuleGroup> Groups(string tenant)
    {
        lock (_groups)
            return _groups.Values.Where(r => r.Group.Tenant == tenant).Select(r => r.Group)
                .OrderBy(g => g.Namespace, StringComparer.Ordinal).ThenBy(g => g.Name, StringComparer.Ordinal).ToList();
    }

    private async Task PollAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await SyncAsync(force: false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning("cannot read rules directory={Dir} err={Error}", _store.Directory, e.Message);
            }
            try
            {
                await _wake.WaitAsync(_config.PollInterval, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SyncAsync(bool force)
    {
        await _syncLock.WaitAsync();
        try
        {
            var fp = _store.Fingerprint() + (Shard is { } shard ? "\n" + shard.Fingerprint() : "");
            if (!force && fp == _fingerprint)
                return;
            _fingerprint = fp;
            var errors = new List<string>();
            var wanted = new Dictionary<string, (string Tenant, string Ns, RuleGroupDefinition Def, string Yaml)>(StringComparer.Ordinal);
            foreach (var tenant in _store.Tenants())
                foreach (var (ns, groups) in _store.Load(tenant, errors))
                    foreach (var g in groups)
                        if (Shard is not { } owner || owner.Owns(tenant, ns, g.Name ?? ""))
                            wanted[tenant + "\0" + ns + "\0" + g.Name] = (tenant, ns, g, RuleYaml.ToYaml(g));
            foreach (var e in errors.Except(LoadErrors))
                _logger.LogError("invalid rule file; its groups are not loaded err={Error}", e);
            LoadErrors = errors;

            var toStop = new List<Running>();
            lock (_groups)
            {
                foreach (var (key, running) in _groups.ToList())
                {
                    if (!wanted.TryGetValue(key, out var w) || w.Yaml != running.DefinitionYaml)
                    {
                        toStop.Add(running);
                        _groups.Remove(key);
                    }
                }
            }
            foreach (var r in toStop)
                await StopAsync(r);
            foreach (var (key, w) in wanted)
            {
                lock (_groups)
                    if (_groups.ContainsKey(key))
                        continue;
                RuleGroup group;
                try
                {
                    group = new RuleGroup(w.Tenant, w.Ns, w.Def, _config.EvaluationInterval, _engine, _runtime, _logger);
                }
                catch (Exception e) when (e is RuleValidationException or ArgumentException)
                {
                    _logger.LogError("cannot load rule group user={Tenant} namespace={Ns} group={Group} err={Error}", w.Tenant, w.Ns, w.Def.Name, e.Message);
                    continue;
                }
                var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                var loop = Task.Run(() => group.RunAsync(cts.Token));
                lock (_groups)
                    _groups[key] = new Running(group, w.Yaml, cts, loop);
                _logger.LogInformation("rule group started user={Tenant} namespace={Ns} group={Group} interval={Interval} rules={Rules}",
                    w.Tenant, w.Ns, group.Name, GoDuration.Format(group.Interval.Ticks * 100), group.Rules.Count);
            }
        }
        finally
        {
            _syncLock.Release();
        }
    }

    private static async Task StopAsync(Running r)
    {
        await r.Stop.CancelAsync();
        try
        {
            await r.Loop;
        }
        catch (OperationCanceledException)
        {
        }
        r.Stop.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _wake.Release();
        try
        {
            await _poll;
        }
        catch (OperationCanceledException)
        {
        }
        List<Running> all;
        lock (_groups)
        {
            all = _groups.Values.ToList();
            _groups.Clear();
        }
        foreach (var r in all)
            await StopAsync(r);
        _stop.Dispose();
    }
}
