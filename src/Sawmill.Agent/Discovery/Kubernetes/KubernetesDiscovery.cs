using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Sawmill.Agent.Config;

namespace Sawmill.Agent.Discovery.Kubernetes;

/// <summary>
/// One <c>kubernetes_sd_configs</c> entry running: informers (list + watch) over the collections its role reads, in
/// each configured namespace (or all), and the target groups built from their current contents. Role pod reads pods
/// (and nodes with <c>attach_metadata.node</c>); node reads nodes; service reads services; endpoints reads endpoints,
/// services and pods (and nodes). As Promtail does for a DaemonSet, a pod entry without selectors lists only the
/// pods of this node: field selector <c>spec.nodeName=&lt;host&gt;</c>, the host being <c>$HOSTNAME</c> or the machine name.
/// </summary>
public sealed class KubernetesDiscovery : IAsyncDisposable
{
    private readonly KubernetesSdConfig _config;
    private readonly ILogger _logger;
    private readonly Action _changed;
    private readonly k8s.Kubernetes _client;
    private readonly List<Informer<V1Pod>> _pods = [];
    private readonly List<Informer<V1Service>> _services = [];
    private readonly List<Informer<V1Endpoints>> _endpoints = [];
    private Informer<V1Node>? _nodes;
    private readonly List<Task> _running = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly object _cacheLock = new();
    private long _cachedVersion = -1;
    private List<TargetGroup> _cached = [];

    /// <param name="config">The entry.</param>
    /// <param name="hostname">This node's name, for the pod field selector.</param>
    /// <param name="logger">Where list/watch problems are reported.</param>
    /// <param name="changed">Called (on an informer's task) whenever the discovered objects change.</param>
    /// <param name="serviceAccountDir">Where the in-cluster token, CA and namespace are read (tests point it elsewhere).</param>
    public KubernetesDiscovery(KubernetesSdConfig config, string hostname, ILogger logger, Action changed, string serviceAccountDir = KubernetesClientFactory.ServiceAccountDir)
    {
        _config = config;
        _logger = logger;
        _changed = changed;
        _client = KubernetesClientFactory.Create(config, serviceAccountDir);

        var namespaces = new List<string?>(config.Namespaces);
        if (config.OwnNamespace)
            namespaces.Add(KubernetesClientFactory.OwnNamespace(serviceAccountDir));
        if (namespaces.Count == 0)
            namespaces.Add(null);

        var podSelector = config.SelectorFor(KubernetesRole.Pod);
        if (config.Role == KubernetesRole.Pod && config.Selectors.Count == 0)
            podSelector = new KubernetesSelector(KubernetesRole.Pod, null, "spec.nodeName=" + hostname);
        var nodeSelector = config.SelectorFor(KubernetesRole.Node);
        var serviceSelector = config.SelectorFor(KubernetesRole.Service);
        var endpointsSelector = config.SelectorFor(KubernetesRole.Endpoints);

        if (config.Role == KubernetesRole.Node || (config.AttachNodeMetadata && config.Role is KubernetesRole.Pod or KubernetesRole.Endpoints))
            _nodes = new Informer<V1Node>(Nodes(_client), nodeSelector?.Field, nodeSelector?.Label, logger, OnChanged);
        foreach (var ns in namespaces)
        {
            if (config.Role is KubernetesRole.Pod or KubernetesRole.Endpoints)
                _pods.Add(new Informer<V1Pod>(Pods(_client, ns), podSelector?.Field, podSelector?.Label, logger, OnChanged));
            if (config.Role is KubernetesRole.Service or KubernetesRole.Endpoints)
                _services.Add(new Informer<V1Service>(Services(_client, ns), serviceSelector?.Field, serviceSelector?.Label, logger, OnChanged));
            if (config.Role is KubernetesRole.Endpoints)
                _endpoints.Add(new Informer<V1Endpoints>(Endpoints(_client, ns), endpointsSelector?.Field, endpointsSelector?.Label, logger, OnChanged));
        }
    }

    public KubernetesSdConfig Config => _config;

    /// <summary>True once every informer has listed its collection once.</summary>
    public bool Synced => _pods.All(i => i.HasSynced) && _services.All(i => i.HasSynced) && _endpoints.All(i => i.HasSynced) && (_nodes?.HasSynced ?? true);

    public void Start()
    {
        var token = _stop.Token;
        foreach (var i in _pods)
            _running.Add(Task.Run(() => i.RunAsync(token)));
        foreach (var i in _services)
            _running.Add(Task.Run(() => i.RunAsync(token)));
        foreach (var i in _endpoints)
            _running.Add(Task.Run(() => i.RunAsync(token)));
        if (_nodes is { } n)
            _running.Add(Task.Run(() => n.RunAsync(token)));
    }

    /// <summary>Completes once every informer has listed once (or when <paramref name="cancel"/> fires).</summary>
    public async Task WaitSyncedAsync(CancellationToken cancel)
    {
        var tasks = _pods.Select(i => i.SyncedTask).Concat(_services.Select(i => i.SyncedTask)).Concat(_endpoints.Select(i => i.SyncedTask));
        if (_nodes != null)
            tasks = tasks.Append(_nodes.SyncedTask);
        await Task.WhenAll(tasks).WaitAsync(cancel);
    }

    /// <summary>
    /// The current targets, one <see cref="TargetGroup"/> per Prometheus target with its group's labels merged in (the
    /// target's own labels win). Rebuilt only when an informer changed since the last call.
    /// </summary>
    public List<TargetGroup> Targets()
    {
        var version = _pods.Sum(i => i.Version) + _services.Sum(i => i.Version) + _endpoints.Sum(i => i.Version) + (_nodes?.Version ?? 0);
        lock (_cacheLock)
        {
            if (version == _cachedVersion)
                return _cached;
            var groups = Groups();
            var targets = new List<TargetGroup>();
            foreach (var g in groups)
            {
                foreach (var t in g.Targets)
                {
                    var labels = new Dictionary<string, string>(g.Labels, StringComparer.Ordinal);
                    foreach (var (k, v) in t)
                        labels[k] = v;
                    targets.Add(new TargetGroup("kubernetes:" + g.Source, labels));
                }
            }
            _cached = targets;
            _cachedVersion = version;
            return targets;
        }
    }

    internal List<KubernetesGroup> Groups()
    {
        var groups = new List<KubernetesGroup>();
        switch (_config.Role)
        {
            case KubernetesRole.Pod:
                foreach (var inf in _pods)
                    foreach (var pod in inf.Items().OrderBy(Informer<V1Pod>.KeyOf, StringComparer.Ordinal))
                        groups.Add(KubernetesTargets.Pod(pod, Node(pod.Spec?.NodeName), _config.AttachNodeMetadata));
                break;
            case KubernetesRole.Node:
                foreach (var node in _nodes!.Items().OrderBy(n => n.Metadata.Name, StringComparer.Ordinal))
                    groups.Add(KubernetesTargets.Node(node));
                break;
            case KubernetesRole.Service:
                foreach (var inf in _services)
                    foreach (var svc in inf.Items().OrderBy(Informer<V1Service>.KeyOf, StringComparer.Ordinal))
                        groups.Add(KubernetesTargets.Service(svc));
                break;
            case KubernetesRole.Endpoints:
                for (var i = 0; i < _endpoints.Count; i++)
                {
                    var services = _services[i];
                    var pods = _pods[i];
                    foreach (var eps in _endpoints[i].Items().OrderBy(Informer<V1Endpoints>.KeyOf, StringComparer.Ordinal))
                    {
                        groups.Add(KubernetesTargets.Endpoints(eps,
                            (ns, name) => services.Get(ns + "/" + name),
                            (ns, name) => pods.Get(ns + "/" + name),
                            Node,
                            _config.AttachNodeMetadata));
                    }
                }
                break;
        }
        return groups;
    }

    private V1Node? Node(string? name) => name == null || _nodes == null ? null : _nodes.Get(name);

    private void OnChanged()
    {
        try
        {
            _changed();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "kubernetes discovery: change handler failed");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_running);
        }
        catch (OperationCanceledException)
        {
        }
        _client.Dispose();
        _stop.Dispose();
    }

    private static ResourceApi<V1Pod> Pods(k8s.Kubernetes c, string? ns) => new(
        ns == null ? "pods" : $"pods in namespace {ns}",
        async (r, ct) =>
        {
            var l = ns == null
                ? await c.CoreV1.ListPodForAllNamespacesAsync(continueParameter: r.Continue, fieldSelector: r.FieldSelector, labelSelector: r.LabelSelector,
                    limit: r.Limit, resourceVersion: r.ResourceVersion, cancellationToken: ct)
                : await c.CoreV1.ListNamespacedPodAsync(ns, continueParameter: r.Continue, fieldSelector: r.FieldSelector, labelSelector: r.LabelSelector,
                    limit: r.Limit, resourceVersion: r.ResourceVersion, cancellationToken: ct);
            return new ListPage<V1Pod>(l.Items, l.Metadata?.ResourceVersion, l.Metadata?.ContinueProperty);
        },
        (r, onError, ct) => ns == null
            ? c.CoreV1.WatchListPodForAllNamespacesAsync(allowWatchBookmarks: true, fieldSelector: r.FieldSelector, labelSelector: r.LabelSelector,
                resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, onError: onError, cancellationToken: ct)
            : c.CoreV1.WatchListNamespacedPodAsync(ns, allowWatchBookmarks: true, fieldSelector: r.FieldSelector, labelSelector: r.LabelSelector,
                resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, onError: onError, cancellationToken: ct));

    private static ResourceApi<V1Node> Nodes(k8s.Kubernetes c) => new(
        "nodes",
        async (r, ct) =>
        {
            var l = await c.CoreV1.ListNodeAsync(continueParameter: r.Continue, fieldSelector: r.FieldSelector, labelSelector: r.LabelSelector,
                limit: r.Limit, resourceVersion: r.ResourceVersion, cancellationToken: ct);
            return new ListPage<V1Node>(l.Items, l.Metadata?.ResourceVersion, l.Metadata?.ContinueProperty);
        },
        (r, onError, ct) => c.CoreV1.WatchListNodeAsync(allowWatchBookmarks: true, fieldSelector: r.FieldSelector, labelSelector: r.LabelSelector,
            resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, onError: onError, cancellationToken: ct));

    private static ResourceApi<V1Service> Services(k8s.Kubernetes c, string? ns) => new(
        ns == null ? "services" : $"services in namespace {ns}",
        async (r, ct) =>
        {
            var l = ns == null
                ? await c.CoreV1.ListServiceForAllNamespacesAsync(continueParameter: r.Continue, fieldSelector: r.FieldSelector, labelSelector: r.LabelSelector,
                    limit: r.Limit, resourceVersion: r.ResourceVersion, cancellationToken: ct)
                : await c.CoreV1.ListNamespacedServiceAsync(ns, continueParameter: r.Continue, fieldSelector: r.FieldSelector, labelSelector: r.LabelSelector,
                    limit: r.Limit, resourceVersion: r.ResourceVersion, cancellationToken: ct);
            return new ListPage<V1Service>(l.Items, l.Metadata?.ResourceVersion, l.Metadata?.ContinueProperty);
        },
        (r, onError, ct) => ns == null
            ? c.CoreV1.WatchListServiceForAllNamespacesAsync(allowWatchBookmarks: true, fieldSelector: r.FieldSelector, labelSelector: r.LabelSelector,
                resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, onError: onError, cancellationToken: ct)
            : c.CoreV1.WatchListNamespacedServiceAsync(ns, allowWatchBookmarks: true, fieldSelector: r.FieldSelector, labelSelector: r.LabelSelector,
                resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, onError: onError, cancellationToken: ct));

    private static ResourceApi<V1Endpoints> Endpoints(k8s.Kubernetes c, string? ns) => new(
        ns == null ? "endpoints" : $"endpoints in namespace {ns}",
        async (r, ct) =>
        {
            var l = ns == null
                ? await c.CoreV1.ListEndpointsForAllNamespacesAsync(continueParameter: r.Continue, fieldSelector: r.FieldSelector, labelSelector: r.LabelSelector,
                    limit: r.Limit, resourceVersion: r.ResourceVersion, cancellationToken: ct)
                : await c.CoreV1.ListNamespacedEndpointsAsync(ns, continueParameter: r.Continue, fieldSelector: r.FieldSelector, labelSelector: r.LabelSelector,
                    limit: r.Limit, resourceVersion: r.ResourceVersion, cancellationToken: ct);
            return new ListPage<V1Endpoints>(l.Items, l.Metadata?.ResourceVersion, l.Metadata?.ContinueProperty);
        },
        (r, onError, ct) => ns == null
            ? c.CoreV1.WatchListEndpointsForAllNamespacesAsync(allowWatchBookmarks: true, fieldSelector: r.FieldSelector, labelSelector: r.LabelSelector,
                resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, onError: onError, cancellationToken: ct)
            : c.CoreV1.WatchListNamespacedEndpointsAsync(ns, allowWatchBookmarks: true, fieldSelector: r.FieldSelector, labelSelector: r.LabelSelector,
                resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, onError: onError, cancellationToken: ct));
}
