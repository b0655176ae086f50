using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Sawmill.Agent.Discovery.Kubernetes;

/// <summary>The query of one list or watch call.</summary>
internal sealed record ListRequest(string? FieldSelector, string? LabelSelector, string? ResourceVersion, string? Continue, int? Limit, int? TimeoutSeconds);

/// <summary>One page of a list call: its items, the list's resourceVersion and the continue token of the next page.</summary>
internal sealed record ListPage<T>(IList<T> Items, string? ResourceVersion, string? Continue);

/// <summary>The list and watch calls of one resource collection (one kind, one namespace or all).</summary>
internal sealed record ResourceApi<T>(
    string What,
    Func<ListRequest, CancellationToken, Task<ListPage<T>>> List,
    Func<ListRequest, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType Type, T Object)>> Watch);

/// <summary>
/// A local copy of one collection kept current from the API server, as client-go's reflector keeps it: list (paged,
/// first from the server's cache with <c>resourceVersion=0</c>), then watch from the list's resourceVersion with
/// bookmarks and a server-side timeout of 5–10 minutes, re-watching from the last seen version when a watch ends or
/// the connection drops (with back-off), and listing again — replacing the whole copy, so objects deleted while
/// disconnected disappear — when the server answers 410 Gone (the version is too old). Every change bumps
/// <see cref="Version"/> and calls the change callback.
/// </summary>
internal sealed class Informer<T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    private const int PageSize = 500;
    private readonly ResourceApi<T> _api;
    private readonly string? _fieldSelector;
    private readonly string? _labelSelector;
    private readonly ILogger _logger;
    private readonly Action _changed;
    private readonly Dictionary<string, T> _store = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _resourceVersion;
    private long _version;

    public Informer(ResourceApi<T> api, string? fieldSelector, string? labelSelector, ILogger logger, Action changed)
    {
        _api = api;
        _fieldSelector = fieldSelector;
        _labelSelector = labelSelector;
        _logger = logger;
        _changed = changed;
    }

    public string What => _api.What;

    /// <summary>True once the first list has been stored.</summary>
    public bool HasSynced => _synced.Task.IsCompleted;

    public Task SyncedTask => _synced.Task;

    /// <summary>Bumped on every change of the stored objects.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Time between back-off steps; tests shorten it.</summary>
    public TimeSpan BackoffMin { get; init; } = TimeSpan.FromMilliseconds(800);
    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A copy of the stored objects.</summary>
    public List<T> Items()
    {
        lock (_store)
            return _store.Values.ToList();
    }

    public T? Get(string key)
    {
        lock (_store)
            return _store.GetValueOrDefault(key);
    }

    public static string KeyOf(T obj) =>
        string.IsNullOrEmpty(obj.Metadata?.NamespaceProperty) ? obj.Metadata?.Name ?? "" : obj.Metadata.NamespaceProperty + "/" + obj.Metadata.Name;

    public async Task RunAsync(CancellationToken stop)
    {
        var backoff = BackoffMin;
        var relist = true;
        var consistent = false;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (relist)
                {
                    await ListAsync(consistent, stop);
                    relist = false;
                    consistent = false;
                    backoff = BackoffMin;
                }
                var started = Environment.TickCount64;
                var (expired, events) = await WatchAsync(stop);
                if (expired)
                {
                    _logger.LogInformation("kubernetes {What}: watch of resourceVersion {Version} expired (410 Gone); listing again", What, _resourceVersion);
                    relist = true;
                    consistent = true;
                    continue;
                }
                // A watch the server ends at once without a single event is treated as a failure, so that a server
                // closing watches immediately is not asked again in a tight loop.
                if (events > 0 || Environment.TickCount64 - started >= 1000)
                {
                    backoff = BackoffMin;
                    continue;
                }
                _logger.LogDebug("kubernetes {What}: watch ended at once without events; retrying in {Delay}", What, backoff);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.Gone)
            {
                // A continue token or the resourceVersion of a list or watch request is no longer served.
                _logger.LogInformation("kubernetes {What}: 410 Gone; listing again from the latest state", What);
                relist = true;
                consistent = true;
                continue;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException or KubernetesException
                                           or System.Text.Json.JsonException or OperationCanceledException or InvalidOperationException)
            {
                var status = (e as HttpOperationException)?.Response;
                _logger.LogWarning("kubernetes {What}: {Call} failed: {Error}; retrying in {Delay}", What, relist ? "list" : "watch",
                    status != null ? $"{(int)status.StatusCode} {Trim(status.Content)}" : e.Message, backoff);
            }
            try
            {
                await Task.Delay(backoff, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            backoff = TimeSpan.FromTicks(Math.Min(BackoffMax.Ticks, backoff.Ticks * 2));
        }
    }

    /// <summary>
    /// Lists the collection page by page and replaces the store with it. The first list asks for
    /// <c>resourceVersion=0</c> (any version; the server answers from its cache); after a 410 the list is a consistent
    /// read of the latest state.
    /// </summary>
    private async Task ListAsync(bool consistent, CancellationToken stop)
    {
        var items = new List<T>();
        string? cont = null;
        string? rv = null;
        do
        {
            var page = await _api.List(new ListRequest(_fieldSelector, _labelSelector, cont == null ? (consistent ? null : "0") : null, cont, PageSize, null), stop);
            items.AddRange(page.Items);
            rv = page.ResourceVersion;
            cont = string.IsNullOrEmpty(page.Continue) ? null : page.Continue;
        }
        while (cont != null);

        var changed = false;
        lock (_store)
        {
            var fresh = new Dictionary<string, T>(StringComparer.Ordinal);
            foreach (var item in items)
                fresh[KeyOf(item)] = item;
            foreach (var key in _store.Keys.ToList())
            {
                if (!fresh.ContainsKey(key))
                {
                    _store.Remove(key);
                    changed = true;
                }
            }
            foreach (var (key, item) in fresh)
            {
                if (!_store.TryGetValue(key, out var old) || old.Metadata?.ResourceVersion != item.Metadata?.ResourceVersion)
                {
                    _store[key] = item;
                    changed = true;
                }
            }
            _resourceVersion = rv;
        }
        _logger.LogDebug("kubernetes {What}: listed {Count} objects at resourceVersion {Version}", What, items.Count, rv);
        if (changed || !HasSynced)
            Changed();
        _synced.TrySetResult();
    }

    /// <summary>
    /// Watches from the stored resourceVersion until the server ends the watch. Returns whether it answered 410 Gone,
    /// and how many events arrived. Other errors in the stream are thrown after it ends.
    /// </summary>
    private async Task<(bool Expired, int Events)> WatchAsync(CancellationToken stop)
    {
        var expired = false;
        var events = 0;
        Exception? streamError = null;
        var timeout = 300 + Random.Shared.Next(300);
        var request = new ListRequest(_fieldSelector, _labelSelector, _resourceVersion, null, null, timeout);
        await foreach (var (type, obj) in _api.Watch(request, e =>
        {
            if (e is KubernetesException { Status.Code: 410 })
                expired = true;
            else
                streamError = e;
        }, stop))
        {
            events++;
            if (obj?.Metadata == null)
                continue;
            var rv = obj.Metadata.ResourceVersion;
            switch (type)
            {
                case WatchEventType.Added:
                case WatchEventType.Modified:
                    lock (_store)
                    {
                        _store[KeyOf(obj)] = obj;
                        _resourceVersion = rv;
                    }
                    Changed();
                    break;
                case WatchEventType.Deleted:
                    bool removed;
                    lock (_store)
                    {
                        removed = _store.Remove(KeyOf(obj));
                        _resourceVersion = rv;
                    }
                    if (removed)
                        Changed();
                    break;
                case WatchEventType.Bookmark:
                    if (!string.IsNullOrEmpty(rv))
                    {
                        lock (_store)
                            _resourceVersion = rv;
                    }
                    break;
            }
        }
        if (streamError != null && !expired)
            throw new InvalidOperationException("error in the watch stream: " + streamError.Message, streamError);
        return (expired, events);
    }

    private void Changed()
    {
        Interlocked.Increment(ref _version);
        _changed();
    }

    private static string Trim(string? s) => s == null ? "" : s.Length > 300 ? s[..300] + "…" : s;
}
