using Microsoft.Extensions.Logging;
using Sawmill.Agent.Client;
using Sawmill.Agent.Config;
using Sawmill.Agent.Discovery.Kubernetes;
using Sawmill.Agent.Positions;
using Sawmill.Agent.Relabel;
using Sawmill.Agent.Stages;
using Sawmill.Agent.Tailing;

namespace Sawmill.Agent.Discovery;

/// <summary>
/// Turns scrape configs into running file tailers: gathers target groups (static_configs, file_sd_configs,
/// kubernetes_sd_configs through the API server), relabels them, drops targets whose <c>__host__</c> names another host
/// (as Promtail does), expands <c>__path__</c> minus <c>__path_exclude__</c>, and keeps one <see cref="FileTailer"/> per
/// matching file with the target's public labels plus <c>filename</c>. Re-synced every <c>target_config.sync_period</c>
/// and at once when Kubernetes objects change. Files that stop matching (a deleted pod's logs) are read to their end
/// and released; the position of a file that no longer exists is forgotten.
/// </summary>
public sealed class TargetManager : IAsyncDisposable
{
    private readonly AgentConfig _config;
    private readonly AgentHostOptions _options;
    private readonly PositionsFile _positions;
    private readonly IEntrySink _sink;
    private readonly AgentMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Dictionary<string, FileTailer> _tailers = new(StringComparer.Ordinal);
    /// <summary>When each tailed path was first seen missing (guarded by the lock on _tailers).</summary>
    private readonly Dictionary<string, long> _missingSince = new(StringComparer.Ordinal);
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<TargetGroup>> _fileSdCache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTime> _fileSdRead = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _syncLock = new(1, 1);
    /// <summary>Released when discovery changed, to sync before the period ends.</summary>
    private readonly SemaphoreSlim _kick = new(0, 1);
    private readonly Dictionary<ScrapeConfig, List<KubernetesDiscovery>> _kubernetes = new(ReferenceEqualityComparer.Instance);

    public TargetManager(AgentConfig config, AgentHostOptions options, PositionsFile positions, IEntrySink sink, AgentMetrics metrics, ILogger logger)
    {
        _config = config;
        _options = options;
        _positions = positions;
        _sink = sink;
        _metrics = metrics;
        _logger = logger;
        Hostname = options.Hostname ?? (Environment.GetEnvironmentVariable("HOSTNAME") is { Length: > 0 } h ? h : Environment.MachineName);
        foreach (var sc in config.ScrapeConfigs)
            StageFactory.Validate(sc.PipelineStages);
        foreach (var sc in config.ScrapeConfigs)
        {
            if (sc.KubernetesSdConfigs.Count == 0)
                continue;
            var list = new List<KubernetesDiscovery>();
            foreach (var k in sc.KubernetesSdConfigs)
                list.Add(new KubernetesDiscovery(k, Hostname, logger, Kick, options.ServiceAccountDir));
            _kubernetes[sc] = list;
        }
    }

    /// <summary>The host name targets' <c>__host__</c> must match and the pod field selector names: $HOSTNAME, else the machine name.</summary>
    public string Hostname { get; }

    /// <summary>Number of files being followed.</summary>
    public int ActiveFiles
    {
        get
        {
            lock (_tailers)
                return _tailers.Count;
        }
    }

    public IReadOnlyList<string> ActivePaths
    {
        get
        {
            lock (_tailers)
                return _tailers.Keys.Order(StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>True after a sync that saw every Kubernetes discovery listed.</summary>
    public bool Synced { get; private set; }

    /// <summary>
    /// Starts the Kubernetes discoveries and waits up to <paramref name="wait"/> for their first lists, so that the
    /// first sync already has the pods (an API server that does not answer does not hold the agent back).
    /// </summary>
    public async Task StartDiscoveryAsync(TimeSpan wait, CancellationToken shutdown)
    {
        var all = _kubernetes.Values.SelectMany(l => l).ToList();
        foreach (var d in all)
            d.Start();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        timeout.CancelAfter(wait);
        try
        {
            await Task.WhenAll(all.Select(d => d.WaitSyncedAsync(timeout.Token)));
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("kubernetes discovery has not listed every collection yet; targets follow when it has");
        }
    }

    public async Task RunAsync(CancellationToken shutdown)
    {
        while (!shutdown.IsCancellationRequested)
        {
            await SyncAsync(shutdown);
            try
            {
                // Wait for the period, or less when discovery reports a change.
                await _kick.WaitAsync(_options.TargetSyncPeriod ?? _config.TargetSyncPeriod, shutdown);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private void Kick()
    {
        try
        {
            _kick.Release();
        }
        catch (SemaphoreFullException)
        {
            // A sync is already pending.
        }
    }

    public async Task SyncAsync(CancellationToken shutdown)
    {
        await _syncLock.WaitAsync(CancellationToken.None);
        try
        {
            var kubernetesSynced = _kubernetes.Values.All(l => l.All(d => d.Synced));
            var desired = Discover();
            var toStop = new List<FileTailer>();
            lock (_tailers)
            {
                foreach (var (path, (labels, scrape)) in desired)
                {
                    if (_tailers.TryGetValue(path, out var existing))
                    {
                        existing.Labels = labels;
                        continue;
                    }
                    var pipeline = StageFactory.Create(scrape.PipelineStages, _metrics, _options.Inspect);
                    var tailer = new FileTailer(path, labels, pipeline, _sink, _positions, _metrics, _options.Tailer, _logger);
                    _tailers[path] = tailer;
                    tailer.Start(shutdown);
                }
                foreach (var (path, tailer) in _tailers.ToList())
                {
                    if (desired.ContainsKey(path))
                    {
                        _missingSince.Remove(path);
                        continue;
                    }
                    // A path that vanished is usually mid-rotation: the writer may still append to the renamed file
                    // until it reopens, and the tailer holds that file open. Keep it for RotationGrace so those lines
                    // are read (and so a recreated path continues in the same tailer).
                    if (!File.Exists(path))
                    {
                        var now = Environment.TickCount64;
                        if (!_missingSince.TryGetValue(path, out var since))
                            _missingSince[path] = since = now;
                        if (now - since < (long)_options.Tailer.RotationGrace.TotalMilliseconds)
                            continue;
                    }
                    _missingSince.Remove(path);
                    _tailers.Remove(path);
                    toStop.Add(tailer);
                }
            }
            foreach (var t in toStop)
            {
                await t.StopAsync(drain: true);
                if (!File.Exists(t.Path))
                    _positions.Remove(t.Path);
                _logger.LogInformation("stopped tailing {Path}", t.Path);
            }
            Synced = kubernetesSynced;
        }
        finally
        {
            _syncLock.Release();
        }
    }

    /// <summary>Stops every tailer; each flushes its pipeline and hands over what it read.</summary>
    public async Task StopAsync()
    {
        await _syncLock.WaitAsync();
        try
        {
            List<FileTailer> all;
            lock (_tailers)
            {
                all = _tailers.Values.ToList();
                _tailers.Clear();
            }
            await Task.WhenAll(all.Select(t => t.StopAsync()));
        }
        finally
        {
            _syncLock.Release();
        }
    }

    private Dictionary<string, (Dictionary<string, string>, ScrapeConfig)> Discover()
    {
        var desired = new Dictionary<string, (Dictionary<string, string>, ScrapeConfig)>(StringComparer.Ordinal);
        foreach (var sc in _config.ScrapeConfigs)
        {
            var groups = new List<TargetGroup>();
            foreach (var st in sc.StaticConfigs)
            {
                var targets = st.Targets.Count == 0 ? [""] : st.Targets;
                foreach (var target in targets)
                {
                    var d = new Dictionary<string, string>(st.Labels, StringComparer.Ordinal);
                    if (target.Length > 0)
                        d["__address__"] = target;
                    groups.Add(new TargetGroup("static", d));
                }
            }
            foreach (var (files, refresh) in sc.FileSdConfigs)
            {
                var key = sc.JobName + "\n" + string.Join('\n', files);
                if (!_fileSdRead.TryGetValue(key, out var last) || DateTime.UtcNow - last >= refresh || FilesChanged(files, last))
                {
                    _fileSdCache[key] = FileSdReader.Read(files, Warn);
                    _fileSdRead[key] = DateTime.UtcNow;
                }
                groups.AddRange(_fileSdCache[key]);
            }
            if (_kubernetes.TryGetValue(sc, out var discoveries))
                foreach (var d in discoveries)
                    groups.AddRange(d.Targets());

            foreach (var g in groups)
            {
                // Promtail adds no job label by itself: "job" appears only when the config sets one.
                var labels = new Dictionary<string, string>(g.Labels, StringComparer.Ordinal);
                if (!Relabeler.Apply(sc.RelabelConfigs, labels))
                    continue;
                if (labels.TryGetValue("__host__", out var host) && host != Hostname)
                    continue;
                if (!labels.TryGetValue("__path__", out var pathGlob) || pathGlob.Length == 0)
                {
                    Warn($"scrape config \"{sc.JobName}\": a target from {g.Source} has no __path__ label after relabelling; it is skipped");
                    continue;
                }
                PathGlob? exclude = labels.TryGetValue("__path_exclude__", out var ex) && ex.Length > 0 ? new PathGlob(ex) : null;
                var publicLabels = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (k, v) in labels)
                    if (!k.StartsWith("__", StringComparison.Ordinal) && v.Length > 0)
                        publicLabels[k] = v;
                foreach (var file in new PathGlob(pathGlob).Expand())
                {
                    if (exclude != null && exclude.IsMatch(file))
                        continue;
                    if (desired.ContainsKey(file))
                        continue;
                    var fileLabels = new Dictionary<string, string>(publicLabels, StringComparer.Ordinal) { ["filename"] = file };
                    desired[file] = (fileLabels, sc);
                }
            }
        }
        return desired;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var d in _kubernetes.Values.SelectMany(l => l))
            await d.DisposeAsync();
    }

    private static bool FilesChanged(IReadOnlyList<string> patterns, DateTime since)
    {
        foreach (var p in patterns)
            foreach (var f in new PathGlob(Path.GetFullPath(p)).Expand())
                if (File.GetLastWriteTimeUtc(f) >= since)
                    return true;
        return false;
    }

    private void Warn(string message)
    {
        lock (_warned)
        {
            if (!_warned.Add(message))
                return;
        }
        _logger.LogWarning("{Message}", message);
    }
}
