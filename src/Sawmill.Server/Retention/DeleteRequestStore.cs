using System.Text.Json;
using Sawmill.Core;
using Sawmill.LogQL.Engine;

namespace Sawmill.Server.Retention;

/// <summary>
/// Delete requests of every tenant, persisted atomically (write to a temp file, fsync, rename) under
/// <c>&lt;data&gt;/compactor/delete_requests.json</c> so they survive restarts and keep hiding deleted lines after a WAL
/// replay. Compiled selectors are cached. Thread-safe.
/// </summary>
public sealed class DeleteRequestStore
{
    private readonly object _lock = new();
    private readonly string _path;
    private readonly TimeSpan _cancelPeriod;
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

    /// <summary>Validates and records a request; throws <see cref="Sawmill.LogQL.Syntax.ParseException"/> for a bad query.</summary>
    public DeleteRequest Add(string tenant, string query, long startNs, long endNs)
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
    public string? Cancel(string tenant, string requestId)
    {
        lock (_lock)
        {
            var index = _requests.FindIndex(r => r.Tenant == tenant && r.RequestId == requestId);
            if (index < 0)
                return "could not find delete request with given id";
            if (_requests[index].ProcessedAtNs != null || PastCancelPeriod(_requests[index], TimeNs.Now()))
                return "deletion of request which is in process or already processed is not allowed";
            _requests.RemoveAt(index);
            Save();
            Recompile();
            return null;
        }
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
    public void MarkProcessed(IEnumerable<string> requestIds, long nowNs)
    {
        var ids = requestIds.ToHashSet(StringComparer.Ordinal);
        if (ids.Count == 0)
            return;
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
        var tmp = _path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(fs, _requests);
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, _path, overwrite: true);
    }
}
