using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sawmill.Agent.Tests.Discovery.Kubernetes;

/// <summary>
/// The closest stand-in for a Kubernetes API server that runs here: a local HTTP(S) server speaking the list and
/// watch protocol of the core/v1 collections pods, nodes, services and endpoints, as the API server documents it
/// (https://kubernetes.io/docs/reference/using-api/api-concepts/):
/// <list type="bullet">
/// <item>One etcd-like resourceVersion counter over all objects; every write stamps the object with the next one.</item>
/// <item>List: <c>GET /api/v1/{resource}</c> and <c>/api/v1/namespaces/{ns}/{resource}</c> with <c>labelSelector</c>
/// (equality and set-based), <c>fieldSelector</c> (the fields each kind supports; others are 400 "field label not
/// supported"), <c>resourceVersion</c> + <c>resourceVersionMatch</c> (unset = latest; <c>0</c> = any, served whole as
/// from the watch cache, ignoring <c>limit</c>; <c>Exact</c> = that snapshot; too new = 504), <c>limit</c> and
/// <c>continue</c> (consistent snapshot pages; a token older than the compaction is 410 Expired). List items carry no
/// kind/apiVersion, as the server sends them.</item>
/// <item>Watch (<c>watch=true</c>): a chunked <c>application/json</c> stream of one <c>{"type":…,"object":…}</c> per
/// line. No resourceVersion or <c>0</c>: synthetic ADDED events for the current state first; a resourceVersion: the
/// events after it; older than the compaction: an ERROR event with a 410 Expired Status, then the end of the stream.
/// Objects that start or stop matching the selectors arrive as ADDED or DELETED. <c>allowWatchBookmarks</c> adds
/// BOOKMARK events; <c>sendInitialEvents</c> ends the initial events with the <c>k8s.io/initial-events-end</c>
/// bookmark; <c>timeoutSeconds</c> ends the stream.</item>
/// <item>Errors are Status objects; with <see cref="Token"/> set, requests without that bearer token get 401.</item>
/// </list>
/// Tests change objects with <see cref="Put"/>/<see cref="Delete"/> and break connections with
/// <see cref="DropWatches"/> and <see cref="Compact"/>. Every request is recorded in <see cref="Requests"/>.
/// </summary>
internal sealed class FakeKubeApi : IAsyncDisposable
{
    private static readonly Dictionary<string, (string Kind, bool Namespaced, string[] Fields)> Resources = new(StringComparer.Ordinal)
    {
        ["pods"] = ("Pod", true, ["metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
            "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"]),
        ["nodes"] = ("Node", false, ["metadata.name", "spec.unschedulable"]),
        ["services"] = ("Service", true, ["metadata.name", "metadata.namespace", "spec.clusterIP", "spec.type"]),
        ["endpoints"] = ("Endpoints", true, ["metadata.name", "metadata.namespace"]),
    };

    private readonly object _lock = new();
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> _objects = new(StringComparer.Ordinal);
    private readonly List<Event> _history = [];
    private readonly List<Watcher> _watchers = [];
    private WebApplication _app = null!;
    private long _rv = 1000;
    private long _compacted = 1000;

    private FakeKubeApi()
    {
        foreach (var r in Resources.Keys)
            _objects[r] = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
    }

    public Uri BaseAddress { get; private set; } = null!;
    /// <summary>When set, every request must carry <c>Authorization: Bearer &lt;token&gt;</c>.</summary>
    public string? Token { get; set; }
    /// <summary>Time between BOOKMARK events of watches that allow them.</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(2);
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    private int _bookmarksSent;

    /// <summary>Periodic BOOKMARK events written to watches so far (not the initial-events-end one).</summary>
    public int BookmarksSent => Volatile.Read(ref _bookmarksSent);
    /// <summary>The headers of requests refused with 401, for failure messages.</summary>
    public ConcurrentQueue<string> UnauthorizedHeaders { get; } = new();

    public long ResourceVersion
    {
        get
        {
            lock (_lock)
                return _rv;
        }
    }

    /// <summary>Open watch streams (for tests waiting until a client has re-connected).</summary>
    public int OpenWatches
    {
        get
        {
            lock (_lock)
                return _watchers.Count;
        }
    }

    public static async Task<FakeKubeApi> StartAsync(X509Certificate2? tls = null)
    {
        var api = new FakeKubeApi();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, o =>
        {
            if (tls != null)
            {
                o.Protocols = HttpProtocols.Http1AndHttp2;
                o.UseHttps(tls);
            }
        }));
        api._app = builder.Build();
        api._app.Run(api.HandleAsync);
        await api._app.StartAsync();
        var addr = api._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        api.BaseAddress = new Uri(addr.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return api;
    }

    /// <summary>Creates or replaces an object (ADDED or MODIFIED), stamping the next resourceVersion. Returns it.</summary>
    public long Put(string resource, JsonObject obj)
    {
        obj = (JsonObject)obj.DeepClone();
        obj.Remove("kind");
        obj.Remove("apiVersion");
        var meta = obj["metadata"]!.AsObject();
        lock (_lock)
        {
            var key = Key(resource, meta);
            var exists = _objects[resource].TryGetValue(key, out var prev);
            var rv = ++_rv;
            meta["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
            meta["uid"] ??= prev?["metadata"]?["uid"]?.GetValue<string>() ?? Guid.NewGuid().ToString();
            meta["creationTimestamp"] ??= prev?["metadata"]?["creationTimestamp"]?.GetValue<string>() ?? DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            _objects[resource][key] = obj;
            Publish(new Event(rv, resource, exists ? "MODIFIED" : "ADDED", obj, prev));
            return rv;
        }
    }

    /// <summary>Changes a stored object in place (MODIFIED).</summary>
    public long Modify(string resource, string? ns, string name, Action<JsonObject> change)
    {
        JsonObject copy;
        lock (_lock)
            copy = (JsonObject)_objects[resource][ns == null ? name : ns + "/" + name].DeepClone();
        change(copy);
        return Put(resource, copy);
    }

    /// <summary>Removes an object (DELETED, carrying its last state with the deletion's resourceVersion).</summary>
    public long Delete(string resource, string? ns, string name)
    {
        lock (_lock)
        {
            var key = ns == null ? name : ns + "/" + name;
            if (!_objects[resource].Remove(key, out var prev))
                throw new InvalidOperationException($"no {resource} {key}");
            var rv = ++_rv;
            var last = (JsonObject)prev.DeepClone();
            last["metadata"]!["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
            Publish(new Event(rv, resource, "DELETED", last, prev));
            return rv;
        }
    }

    /// <summary>Forgets the event history (as etcd compaction does): resourceVersions up to now are answered 410.</summary>
    public void Compact()
    {
        lock (_lock)
        {
            _compacted = _rv;
            _history.Clear();
        }
    }

    /// <summary>
    /// Breaks every watch connection, applies <paramref name="change"/> unseen by any watcher, and compacts the history:
    /// a client that re-watches from its last resourceVersion gets 410 Gone and must list again to see the change.
    /// </summary>
    public void ChangeWhileDisconnected(Action change)
    {
        lock (_lock)
        {
            foreach (var w in _watchers)
                w.Context.Abort();
            _watchers.Clear();
            change();
            Compact();
        }
    }

    /// <summary>Breaks every open watch connection (an API server restart or a network cut).</summary>
    public void DropWatches()
    {
        List<Watcher> all;
        lock (_lock)
            all = _watchers.ToList();
        foreach (var w in all)
        {
            try
            {
                w.Context.Abort();
            }
            catch (ObjectDisposedException)
            {
                // That watch's request already finished (the client closed it); there is nothing left to drop.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        DropWatches();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void Publish(Event e)
    {
        _history.Add(e);
        foreach (var w in _watchers)
            w.Events.Writer.TryWrite(e);
    }

    private static string Key(string resource, JsonObject meta)
    {
        var name = meta["name"]?.GetValue<string>() ?? throw new InvalidOperationException("metadata.name is required");
        return Resources[resource].Namespaced ? (meta["namespace"]?.GetValue<string>() ?? "default") + "/" + name : name;
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var q = ctx.Request.Query;
        Requests.Enqueue(new RecordedRequest(ctx.Request.Method, ctx.Request.Path + ctx.Request.QueryString.Value, ctx.Request.Headers.Authorization.ToString(),
            ctx.Request.Headers.UserAgent.ToString(), ctx.Request.Headers.Accept.ToString(), ctx.Request.Protocol));
        if (Token != null && ctx.Request.Headers.Authorization.ToString() != "Bearer " + Token)
        {
            UnauthorizedHeaders.Enqueue(string.Join("; ", ctx.Request.Headers.Select(h => h.Key + ": " + h.Value)));
            await StatusAsync(ctx, 401, "Unauthorized", "Unauthorized");
            return;
        }
        var path = ctx.Request.Path.Value ?? "";
        if (path == "/version")
        {
            await WriteJsonAsync(ctx, 200, new JsonObject { ["major"] = "1", ["minor"] = "30", ["gitVersion"] = "v1.30.0", ["platform"] = "linux/amd64" });
            return;
        }
        var parts = path.Trim('/').Split('/');
        string? ns = null;
        string resource;
        if (parts.Length == 3 && parts[0] == "api" && parts[1] == "v1")
            resource = parts[2];
        else if (parts.Length == 5 && parts[0] == "api" && parts[1] == "v1" && parts[2] == "namespaces")
        {
            ns = parts[3];
            resource = parts[4];
        }
        else
        {
            await StatusAsync(ctx, 404, "NotFound", "the server could not find the requested resource");
            return;
        }
        if (!Resources.TryGetValue(resource, out var def) || (ns != null && !def.Namespaced) || ctx.Request.Method != "GET")
        {
            await StatusAsync(ctx, 404, "NotFound", "the server could not find the requested resource");
            return;
        }
        Selector selector;
        try
        {
            selector = new Selector(q["labelSelector"].ToString(), q["fieldSelector"].ToString(), def.Fields);
        }
        catch (FormatException e)
        {
            await StatusAsync(ctx, 400, "BadRequest", e.Message);
            return;
        }
        if (q["watch"].ToString() is "true" or "1")
            await WatchAsync(ctx, resource, def.Kind, ns, selector);
        else
            await ListAsync(ctx, resource, def.Kind, ns, selector);
    }

    private async Task ListAsync(HttpContext ctx, string resource, string kind, string? ns, Selector selector)
    {
        var q = ctx.Request.Query;
        var rvText = q["resourceVersion"].ToString();
        var match = q["resourceVersionMatch"].ToString();
        var cont = q["continue"].ToString();
        var limit = int.TryParse(q["limit"], CultureInfo.InvariantCulture, out var l) && l > 0 ? l : 0;
        long snapshotRv = 0;
        var start = "";
        (int Code, string Reason, string Message)? error = null;
        List<JsonObject> items = [];
        lock (_lock)
        {
            if (cont.Length > 0)
            {
                var token = JsonNode.Parse(Encoding.UTF8.GetString(System.Convert.FromBase64String(cont)))!;
                snapshotRv = token["rv"]!.GetValue<long>();
                start = token["start"]!.GetValue<string>();
                if (snapshotRv < _compacted)
                    error = (410, "Expired", "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");
            }
            else if (rvText.Length == 0 || rvText == "0")
                snapshotRv = _rv;
            else if (!long.TryParse(rvText, CultureInfo.InvariantCulture, out snapshotRv))
                error = (400, "BadRequest", $"invalid resource version: {rvText}");
            else if (snapshotRv > _rv)
                error = (504, "Timeout", $"Too large resource version: {snapshotRv}, current: {_rv}");
            else if (match == "Exact" && snapshotRv < _compacted)
                error = (410, "Expired", "The resourceVersion for the provided list is too old.");
            else if (match != "Exact")
                snapshotRv = _rv; // NotOlderThan (or unset with a version): the latest state is not older.
            if (error == null)
                items = Snapshot(resource, snapshotRv).Where(kv => InNamespace(kv.Value, ns) && selector.Matches(kv.Value)).Select(kv => kv.Value).ToList();
        }
        if (error is { } err)
        {
            await StatusAsync(ctx, err.Code, err.Reason, err.Message);
            return;
        }
        // resourceVersion=0 is served from the watch cache, which ignores limit.
        if (rvText == "0" && cont.Length == 0)
            limit = 0;
        var keys = items.Select(o => Key(resource, o["metadata"]!.AsObject())).ToList();
        var from = 0;
        if (start.Length > 0)
            while (from < keys.Count && string.CompareOrdinal(keys[from], start) < 0)
                from++;
        var page = limit > 0 ? items.Skip(from).Take(limit).ToList() : items.Skip(from).ToList();
        var meta = new JsonObject { ["resourceVersion"] = snapshotRv.ToString(CultureInfo.InvariantCulture) };
        if (limit > 0 && from + page.Count < items.Count)
        {
            var next = new JsonObject { ["rv"] = snapshotRv, ["start"] = keys[from + page.Count] }.ToJsonString();
            meta["continue"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(next));
            meta["remainingItemCount"] = items.Count - from - page.Count;
        }
        var list = new JsonObject
        {
            ["kind"] = kind + "List",
            ["apiVersion"] = "v1",
            ["metadata"] = meta,
            ["items"] = new JsonArray(page.Select(o => (JsonNode)o.DeepClone()).ToArray()),
        };
        await WriteJsonAsync(ctx, 200, list);
    }

    /// <summary>The objects of <paramref name="resource"/> as they were at <paramref name="rv"/> (undoing later events).</summary>
    private SortedDictionary<string, JsonObject> Snapshot(string resource, long rv)
    {
        var state = new SortedDictionary<string, JsonObject>(_objects[resource], StringComparer.Ordinal);
        for (var i = _history.Count - 1; i >= 0 && _history[i].Rv > rv; i--)
        {
            var e = _history[i];
            if (e.Resource != resource)
                continue;
            var key = Key(resource, e.Object["metadata"]!.AsObject());
            if (e.Previous == null)
                state.Remove(key);
            else
                state[key] = e.Previous;
        }
        return state;
    }

    private async Task WatchAsync(HttpContext ctx, string resource, string kind, string? ns, Selector selector)
    {
        var q = ctx.Request.Query;
        var rvText = q["resourceVersion"].ToString();
        var bookmarks = q["allowWatchBookmarks"].ToString() is "true" or "1";
        var initialEvents = q["sendInitialEvents"].ToString() is "true" or "1";
        var timeout = int.TryParse(q["timeoutSeconds"], CultureInfo.InvariantCulture, out var t) && t > 0 ? TimeSpan.FromSeconds(t) : TimeSpan.FromMinutes(30);
        var watcher = new Watcher(ctx);
        var initial = new List<(string Type, JsonObject Obj)>();
        long startRv;
        string? expired = null;
        lock (_lock)
        {
            if (rvText.Length == 0 || rvText == "0" || initialEvents)
            {
                startRv = _rv;
                foreach (var o in _objects[resource].Values)
                    if (InNamespace(o, ns) && selector.Matches(o))
                        initial.Add(("ADDED", o));
            }
            else if (!long.TryParse(rvText, CultureInfo.InvariantCulture, out startRv))
            {
                startRv = -1;
            }
            else if (startRv < _compacted)
            {
                expired = $"too old resource version: {startRv} ({_compacted})";
            }
            else
            {
                foreach (var e in _history)
                    if (e.Rv > startRv && e.Resource == resource && Visible(e, ns, selector) is { } c)
                        initial.Add(c);
            }
            if (startRv >= 0 && expired == null)
                _watchers.Add(watcher);
        }
        if (startRv < 0)
        {
            await StatusAsync(ctx, 400, "BadRequest", $"invalid resource version: {rvText}");
            return;
        }
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        try
        {
            await ctx.Response.StartAsync(ctx.RequestAborted);
            if (expired != null)
            {
                await WriteEventAsync(ctx, "ERROR", StatusObject(410, "Expired", expired));
                return;
            }
            foreach (var (type, obj) in initial)
                await WriteEventAsync(ctx, type, WithKind(kind, obj));
            if (initialEvents && bookmarks)
                await WriteEventAsync(ctx, "BOOKMARK", Bookmark(kind, ResourceVersion, initialEventsEnd: true));
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
            ended.CancelAfter(timeout);
            var nextBookmark = DateTime.UtcNow + BookmarkInterval;
            while (true)
            {
                Event? e = null;
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ended.Token))
                {
                    wait.CancelAfter(bookmarks ? nextBookmark - DateTime.UtcNow is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero : Timeout.InfiniteTimeSpan);
                    try
                    {
                        e = await watcher.Events.Reader.ReadAsync(wait.Token);
                    }
                    catch (OperationCanceledException) when (!ended.IsCancellationRequested)
                    {
                    }
                }
                if (ended.IsCancellationRequested)
                    break;
                if (e == null)
                {
                    await WriteEventAsync(ctx, "BOOKMARK", Bookmark(kind, ResourceVersion, initialEventsEnd: false));
                    Interlocked.Increment(ref _bookmarksSent);
                    nextBookmark = DateTime.UtcNow + BookmarkInterval;
                    continue;
                }
                if (e.Resource == resource && Visible(e, ns, selector) is { } c)
                    await WriteEventAsync(ctx, c.Type, WithKind(kind, c.Obj));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The client went away or the test dropped the connection.
        }
        finally
        {
            lock (_lock)
                _watchers.Remove(watcher);
        }
    }

    /// <summary>What a watcher with these filters sees of <paramref name="e"/>: the event, ADDED/DELETED for selector transitions, or nothing.</summary>
    private static (string Type, JsonObject Obj)? Visible(Event e, string? ns, Selector selector)
    {
        if (!InNamespace(e.Object, ns))
            return null;
        var now = e.Type != "DELETED" && selector.Matches(e.Object);
        var before = e.Previous != null && selector.Matches(e.Previous);
        if (e.Type == "DELETED")
            return before ? ("DELETED", e.Object) : null;
        if (now && before)
            return ("MODIFIED", e.Object);
        if (now)
            return ("ADDED", e.Object);
        if (before)
        {
            // The object stopped matching: the watcher sees it deleted, as it was before, at this event's version.
            var gone = (JsonObject)e.Previous!.DeepClone();
            gone["metadata"]!["resourceVersion"] = e.Rv.ToString(CultureInfo.InvariantCulture);
            return ("DELETED", gone);
        }
        return null;
    }

    private static bool InNamespace(JsonObject o, string? ns) => ns == null || o["metadata"]?["namespace"]?.GetValue<string>() == ns;

    /// <summary>The object as a watch event carries it: kind and apiVersion first.</summary>
    private static JsonObject WithKind(string kind, JsonObject o)
    {
        var r = new JsonObject { ["kind"] = kind, ["apiVersion"] = "v1" };
        foreach (var (k, v) in o)
            r[k] = v?.DeepClone();
        return r;
    }

    /// <summary>A bookmark: an empty object of the kind carrying only the resourceVersion, as the API server's cacher sends it.</summary>
    private static JsonObject Bookmark(string kind, long rv, bool initialEventsEnd)
    {
        var meta = new JsonObject { ["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture), ["creationTimestamp"] = null };
        if (initialEventsEnd)
            meta["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        var o = new JsonObject { ["kind"] = kind, ["apiVersion"] = "v1", ["metadata"] = meta };
        if (kind == "Pod")
            o["spec"] = new JsonObject { ["containers"] = null };
        if (kind is "Pod" or "Node" or "Service")
            o["status"] = new JsonObject();
        return o;
    }

    private static async Task WriteEventAsync(HttpContext ctx, string type, JsonObject obj)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = obj }.ToJsonString() + "\n";
        await ctx.Response.WriteAsync(line, ctx.RequestAborted);
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
    }

    private static JsonObject StatusObject(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };

    private static Task StatusAsync(HttpContext ctx, int code, string reason, string message) => WriteJsonAsync(ctx, code, StatusObject(code, reason, message));

    private static async Task WriteJsonAsync(HttpContext ctx, int status, JsonObject body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(body.ToJsonString());
    }

    private sealed record Event(long Rv, string Resource, string Type, JsonObject Object, JsonObject? Previous);

    private sealed class Watcher(HttpContext context)
    {
        public HttpContext Context { get; } = context;
        public Channel<Event> Events { get; } = Channel.CreateUnbounded<Event>();
    }

    /// <summary>A label selector and a field selector as the API server evaluates them.</summary>
    private sealed class Selector
    {
        private readonly List<Func<JsonObject, bool>> _terms = [];

        public Selector(string label, string field, string[] supportedFields)
        {
            foreach (var term in SplitTop(label))
                _terms.Add(LabelTerm(term.Trim()));
            foreach (var term in field.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var neq = term.IndexOf("!=", StringComparison.Ordinal);
                var eq = term.IndexOf('=');
                if (eq < 0)
                    throw new FormatException($"invalid selector: '{field}'; can't understand '{term}'");
                var name = neq >= 0 ? term[..neq] : term[..eq];
                var value = neq >= 0 ? term[(neq + 2)..] : term[(eq + (term.Length > eq + 1 && term[eq + 1] == '=' ? 2 : 1))..];
                if (Array.IndexOf(supportedFields, name) < 0)
                    throw new FormatException($"field label not supported: {name}");
                var negate = neq >= 0;
                _terms.Add(o => (FieldValue(o, name) == value) != negate);
            }
        }

        public bool Matches(JsonObject o) => _terms.All(t => t(o));

        private static string FieldValue(JsonObject o, string path)
        {
            JsonNode? n = o;
            foreach (var p in path.Split('.'))
                n = n?[p];
            return n switch
            {
                null => "",
                JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
                _ => n.GetValue<string>(),
            };
        }

        private static Func<JsonObject, bool> LabelTerm(string term)
        {
            string? Label(JsonObject o, string key) => o["metadata"]?["labels"]?[key]?.GetValue<string>();
            var m = System.Text.RegularExpressions.Regex.Match(term, @"^([A-Za-z0-9./_-]+)\s+(in|notin)\s+\(([^)]*)\)$");
            if (m.Success)
            {
                var key = m.Groups[1].Value;
                var values = m.Groups[3].Value.Split(',').Select(v => v.Trim()).ToHashSet(StringComparer.Ordinal);
                return m.Groups[2].Value == "in" ? o => Label(o, key) is { } v && values.Contains(v) : o => Label(o, key) is not { } v || !values.Contains(v);
            }
            m = System.Text.RegularExpressions.Regex.Match(term, @"^([A-Za-z0-9./_-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)$");
            if (m.Success)
            {
                var key = m.Groups[1].Value;
                var value = m.Groups[3].Value;
                return m.Groups[2].Value == "!=" ? o => Label(o, key) != value : o => Label(o, key) == value;
            }
            m = System.Text.RegularExpressions.Regex.Match(term, @"^(!?)\s*([A-Za-z0-9./_-]+)$");
            if (m.Success)
            {
                var key = m.Groups[2].Value;
                return m.Groups[1].Value == "!" ? o => Label(o, key) == null : o => Label(o, key) != null;
            }
            throw new FormatException($"unable to parse requirement: {term}");
        }

        /// <summary>Splits on commas outside parentheses.</summary>
        private static IEnumerable<string> SplitTop(string s)
        {
            var depth = 0;
            var start = 0;
            for (var i = 0; i < s.Length; i++)
            {
                if (s[i] == '(')
                    depth++;
                else if (s[i] == ')')
                    depth--;
                else if (s[i] == ',' && depth == 0)
                {
                    yield return s[start..i];
                    start = i + 1;
                }
            }
            if (s.Length > start)
                yield return s[start..];
        }
    }
}

internal sealed record RecordedRequest(string Method, string PathAndQuery, string Authorization, string UserAgent, string Accept, string Protocol)
{
    public bool IsWatch => PathAndQuery.Contains("watch=true", StringComparison.Ordinal) || PathAndQuery.Contains("watch=1", StringComparison.Ordinal);

    public string? Query(string name)
    {
        var q = PathAndQuery.IndexOf('?');
        if (q < 0)
            return null;
        foreach (var pair in PathAndQuery[(q + 1)..].Split('&'))
        {
            var eq = pair.IndexOf('=');
            var k = eq < 0 ? pair : pair[..eq];
            if (k == name)
                return Uri.UnescapeDataString(eq < 0 ? "" : pair[(eq + 1)..]);
        }
        return null;
    }
}
