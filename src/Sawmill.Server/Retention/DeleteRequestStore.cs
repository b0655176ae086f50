using System.Text.Json;
using Sawmill.Core;
using Sawmill.LogQL.Engine;

namespace Sawmill.Server.Retention;

/// <summary>
/// Delete requests of every tenant. A single process persists them atomically (write to a temp file, fsync, rename)
/// under <c>&lt;data&gt;/compactor/delete_requests.json</c> so they survive restarts and keep hiding deleted lines after
/// a WAL replay. The nodes of a scalable deployment share them through the bucket instead — one object per request,
/// <c>deletes/&lt;tenant&gt;/&lt;request_id&gt;.json</c>, so that no two writers ever replace each other's — and every
/// node re-reads them every refresh period (<see cref="RefreshAsync"/>): a backend node records and cancels requests,
/// the compactor marks them processed, read nodes hide their lines. Compiled selectors are cached. Thread-safe.
/// </summary>
public sealed class DeleteRequestStore
{
    public const string BucketPrefix = "deletes/";
    private readonly object _lock = new();
    private readonly string _path;
    private readonly Sawmill.Storage.Bucket.IBucket? _bucket;
    private readonly TimeSpan _cancelPeriod;
    private Dictionary<string, (DateTimeOffset LastModified, long Size, DeleteRequest Request)> _seen = new(StringComparer.Ordinal);
    private List<DeleteRequest> _requests = [];
    private volatile Compiled[] _active = [];

    /// <summary>A request with its selector compiled: the one place that decides which streams and entries it removes.</summary>
    public sealed record Compiled(DeleteRequest Request, IReadOnlyList<LabelMatcher> Matchers, ILineFilter? Filter)
    {
        /// <summary>True when the request's matchers select the stream.</summary>
        public bool Selects(Labels stream)
        {
            foreach (var m in Matchers)
                if (!m.Matches(stream.Get(m.Name)))
                    return false;
            return true;
        }

        /// <summary>True when its time range [start, end] (inclusive, ns) overlaps [minT, maxT].</summary>
        public bool Overlaps(long minT, long maxT) => Request.StartNs <= maxT && Request.EndNs >= minT;

        /// <summary>True when the request removes this entry of a stream it selects (time range, then line filter).</summary>
        public bool Removes(long timestampNs, ReadOnlySpan<byte> line) =>
            timestampNs >= Request.StartNs && timestampNs <= Request.EndNs && (Filter == null || Filter.Matches(line));
    }

    public DeleteRequestStore(string dataDir, TimeSpan cancelPeriod)
    {
        _path = Path.Combine(dataDir, "compactor", "delete_requests.json");
        _cancelPeriod = cancelPeriod;
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        if (File.Exists(_path))
        {
            _requests = JsonSerializer.Deserialize<List<DeleteRequest>>(File.ReadAllText(_path)) ?? [];
            Recompile();
        }
    }

    private DeleteRequestStore(Sawmill.Storage.Bucket.IBucket bucket, TimeSpan cancelPeriod)
    {
        _path = "";
        _bucket = bucket;
        _cancelPeriod = cancelPeriod;
    }

    /// <summary>A store shared through the bucket (scalable deployment), read once before it is returned.</summary>
    public static async Task<DeleteRequestStore> OpenSharedAsync(Sawmill.Storage.Bucket.IBucket bucket, TimeSpan cancelPeriod, CancellationToken cancellationToken)
    {
        var store = new DeleteRequestStore(bucket, cancelPeriod);
        await store.RefreshAsync(cancellationToken).ConfigureAwait(false);
        return store;
    }

    private static string Key(DeleteRequest r) => $"{BucketPrefix}{r.Tenant}/{r.RequestId}.json";

    /// <summary>
    /// Shared stores: reads the requests other nodes recorded, cancelled or marked processed since the last refresh
    /// (only changed objects are fetched). No-op for a single process.
    /// </summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (_bucket == null)
            return;
        var seen = new Dictionary<string, (DateTimeOffset, long, DeleteRequest)>(StringComparer.Ordinal);
        var old = _seen;
        await foreach (var o in _bucket.ListAsync(BucketPrefix, cancellationToken).ConfigureAwait(false))
        {
            if (old.TryGetValue(o.Key, out var known) && known.LastModified == o.LastModified && known.Size == o.Size)
            {
                seen[o.Key] = known;
                continue;
            }
            // A body that is not the listed object (a store without atomic writes serving it while it is replaced, e.g.
            // s3rver) is not remembered under the listed version: the previous state stays and the next refresh reads
            // it again. Remembering it would keep a request "received" here for good once another node processed it.
            var bytes = await _bucket.GetAsync(o.Key, cancellationToken).ConfigureAwait(false);
            DeleteRequest? r = null;
            if (bytes != null && bytes.Length == o.Size)
            {
                try
                {
                    r = JsonSerializer.Deserialize<DeleteRequest>(bytes);
                }
                catch (JsonException)
                {
                    // Unfinished, or not ours: judged again at the next refresh.
                }
            }
            if (r != null)
                seen[o.Key] = (o.LastModified, o.Size, r);
            else if (old.TryGetValue(o.Key, out var previous))
                seen[o.Key] = (DateTimeOffset.MinValue, -1, previous.Request);
        }
        lock (_lock)
        {
            _seen = seen;
            _requests = seen.Values.Select(v => v.Item3).OrderBy(r => r.CreatedAtNs).ToList();
            Recompile();
        }
    }

    /// <summary>Validates and records a request; throws <see cref="Sawmill.LogQL.Syntax.ParseException"/> for a bad query.</summary>
    public async Task<DeleteRequest> AddAsync(string tenant, string query, long startNs, long endNs, CancellationToken cancellationToken)
    {
        LogSelector.Parse(query);
        var request = new DeleteRequest
        {
            RequestId = Guid.NewGuid().ToString("N")[..8],
            Tenant = tenant,
            Query = query,
            StartNs = startNs,
            EndNs = endNs,
            CreatedAtNs = TimeNs.Now(),
        };
        if (_bucket != null)
            await _bucket.PutAsync(Key(request), JsonSerializer.SerializeToUtf8Bytes(request), cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            _requests.Add(request);
            Save();
            Recompile();
        }
        return request;
    }

    /// <summary>Requests of a tenant, with their statuses.</summary>
    public IReadOnlyList<DeleteRequest> List(string tenant)
    {
        var now = TimeNs.Now();
        lock (_lock)
            return _requests.Where(r => r.Tenant == tenant).Select(r => WithStatus(r, now)).ToList();
    }

    private static DeleteRequest WithStatus(DeleteRequest r, long now) =>
        r.ProcessedAtNs != null ? r with { Status = "processed" } : r;

    private bool PastCancelPeriod(DeleteRequest r, long now) => now - r.CreatedAtNs >= _cancelPeriod.Ticks * 100;

    /// <summary>Cancels a request still inside its cancel period. Returns an error text, or null on success.</summary>
    public async Task<string?> CancelAsync(string tenant, string requestId, CancellationToken cancellationToken)
    {
        DeleteRequest request;
        lock (_lock)
        {
            var index = _requests.FindIndex(r => r.Tenant == tenant && r.RequestId == requestId);
            if (index < 0)
                return "could not find delete request with given id";
            if (_requests[index].ProcessedAtNs != null || PastCancelPeriod(_requests[index], TimeNs.Now()))
                return "deletion of request which is in process or already processed is not allowed";
            request = _requests[index];
        }
        if (_bucket != null)
            await _bucket.DeleteAsync(Key(request), cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            _requests.RemoveAll(r => r.Tenant == tenant && r.RequestId == requestId);
            Save();
            Recompile();
        }
        return null;
    }

    /// <summary>Active requests of one tenant, compiled, for the query path.</summary>
    public IEnumerable<Compiled> For(string tenant)
    {
        foreach (var c in _active)
            if (c.Request.Tenant == tenant)
                yield return c;
    }

    public bool Any => _active.Length > 0;

    /// <summary>
    /// Requests the compactor must apply to disk now: past their cancel period (they can no longer be taken back) and
    /// not yet processed.
    /// </summary>
    public IReadOnlyList<Compiled> Due(long nowNs)
    {
        var result = new List<Compiled>();
        foreach (var c in _active)
            if (c.Request.ProcessedAtNs == null && PastCancelPeriod(c.Request, nowNs))
                result.Add(c);
        return result;
    }

    /// <summary>Marks requests processed (their lines are gone from disk) and persists that.</summary>
    public async Task MarkProcessedAsync(IEnumerable<string> requestIds, long nowNs, CancellationToken cancellationToken)
    {
        var ids = requestIds.ToHashSet(StringComparer.Ordinal);
        if (ids.Count == 0)
            return;
        List<DeleteRequest> changed;
        lock (_lock)
            changed = _requests.Where(r => ids.Contains(r.RequestId) && r.ProcessedAtNs == null).Select(r => r with { ProcessedAtNs = nowNs }).ToList();
        if (_bucket != null)
            foreach (var r in changed)
                await _bucket.PutAsync(Key(r), JsonSerializer.SerializeToUtf8Bytes(r), cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            _requests = _requests.Select(r => ids.Contains(r.RequestId) && r.ProcessedAtNs == null ? r with { ProcessedAtNs = nowNs } : r).ToList();
            Save();
            Recompile();
        }
    }

    private void Recompile()
    {
        var compiled = new List<Compiled>(_requests.Count);
        foreach (var r in _requests)
        {
            var (matchers, filter) = LogSelector.Parse(r.Query);
            compiled.Add(new Compiled(r, matchers, filter));
        }
        _active = compiled.ToArray();
    }

    private void Save()
    {
        if (_bucket != null)
            return;
        var tmp = _path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(fs, _requests);
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, _path, overwrite: true);
    }
}
