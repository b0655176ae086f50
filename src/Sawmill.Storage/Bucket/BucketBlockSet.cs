using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Sawmill.Core;
using Sawmill.Storage.Blocks;
using Sawmill.Storage.Query;

namespace Sawmill.Storage.Bucket;

/// <summary>
/// A read node's view of the blocks in a bucket. <see cref="SyncAsync"/> lists the bucket, fetches the <c>meta.json</c>
/// and <c>index</c> of every committed block it has not seen (kept in the local cache directory, so a restart reads them
/// from disk) and drops blocks that were deleted or replaced by a compactor's output; chunk bytes are fetched lazily
/// through the <see cref="SegmentCache"/>. A node with an empty disk therefore answers everything in the bucket after
/// its first sync. Queries take a lock-free snapshot of a tenant's blocks. Thread-safe; one sync runs at a time.
/// </summary>
public sealed class BucketBlockSet : IDisposable
{
    private readonly IBucket _bucket;
    private readonly SegmentCache _cache;
    private readonly ILogger _logger;
    private readonly string _dir;
    private readonly SemaphoreSlim _syncing = new(1, 1);
    private readonly ConcurrentDictionary<string, BlockReader[]> _byTenant = new(StringComparer.Ordinal);
    // Every block opened, by tenant/id; metas of replaced blocks too (their sources keep older blocks hidden).
    private readonly Dictionary<string, BlockReader> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BlockMeta> _metas = new(StringComparer.Ordinal);
    private readonly List<string> _dropLater = [];
    private readonly DamagedChunks _damaged;
    private readonly HashSet<string> _unreadable = new(StringComparer.Ordinal);
    private HashSet<string> _incomplete = new(StringComparer.Ordinal);
    // When each committed block's meta.json appeared, and the objects of blocks without one (with their age).
    private Dictionary<string, DateTimeOffset> _committedAt = new(StringComparer.Ordinal);
    private List<(string Key, DateTimeOffset LastModified)> _uncommitted = [];

    public BucketBlockSet(IBucket bucket, SegmentCache cache, ILogger logger)
    {
        _bucket = bucket;
        _cache = cache;
        _logger = logger;
        _dir = Path.Combine(cache.Directory, "blocks");
        Directory.CreateDirectory(_dir);
        _damaged = new DamagedChunks(new StorageMetrics(), logger);
    }

    /// <summary>A bucket chunk that failed its checks: logged once; queries skip it and report a warning.</summary>
    internal string ChunkDamaged(DiskChunkSource source, StorageCorruptionException error) => _damaged.Report(source.Block, source.Meta, error);

    public IBucket Bucket => _bucket;
    public SegmentCache Cache => _cache;

    /// <summary>When the last sync finished (UTC), <see cref="DateTime.MinValue"/> before the first.</summary>
    public DateTime LastSync { get; private set; } = DateTime.MinValue;

    /// <summary>
    /// The ids of the tenant's blocks committed in the last <paramref name="window"/> and of the blocks they replaced:
    /// what an ingester still holding an uploaded block can leave out of its answer, because this view has its data.
    /// </summary>
    public HashSet<string> RecentBlockIds(string tenant, TimeSpan window)
    {
        // Only blocks this view can read: one listed but unreadable (an unfinished upload on a store without atomic
        // writes) must still come from the ingester.
        var since = DateTimeOffset.UtcNow - window;
        var committedAt = _committedAt;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var b in Blocks(tenant))
        {
            if (!committedAt.TryGetValue(tenant + "/" + b.Meta.Id, out var at) || at < since)
                continue;
            ids.Add(b.Meta.Id);
            ids.UnionWith(b.Meta.Sources);
        }
        return ids;
    }

    /// <summary>Tenants of which the last sync could not read some committed block (retried at the next sync).</summary>
    public IReadOnlySet<string> IncompleteTenants => _incomplete;

    /// <summary>Blocks currently readable, over all tenants.</summary>
    public int BlockCount => _byTenant.Values.Sum(b => b.Length);

    public IReadOnlyList<string> Tenants() => _byTenant.Where(kv => kv.Value.Length > 0).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();

    internal BlockReader[] Blocks(string tenant) => _byTenant.TryGetValue(tenant, out var b) ? b : [];

    /// <summary>The blocks of a tenant as (id, origin, min, max) for tests and status pages.</summary>
    public IReadOnlyList<(string Id, string? Origin, long MinTime, long MaxTime, IReadOnlyList<string> Sources)> Describe(string tenant) =>
        Blocks(tenant).Select(b => (b.Meta.Id, b.Meta.Origin, b.Meta.MinTime, b.Meta.MaxTime, (IReadOnlyList<string>)b.Meta.Sources)).ToList();

    /// <summary>Lists the bucket and brings the view up to date. Throws <see cref="BucketException"/> when the bucket cannot be read.</summary>
    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        await _syncing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Blocks dropped by the previous sync lose their cache now: queries that held them have had a sync interval.
            foreach (var dir in _dropLater)
                _cache.Drop(dir);
            _dropLater.Clear();

            var committed = new Dictionary<string, (string Tenant, string Id, long ChunksSize, bool HasIndex, bool HasChunks)>(StringComparer.Ordinal);
            var parts = new Dictionary<string, (long ChunksSize, bool HasIndex, bool HasChunks, bool HasMeta)>(StringComparer.Ordinal);
            var objects = new List<BucketObject>();
            var committedAt = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            await foreach (var o in _bucket.ListAsync(BucketLayout.BlocksPrefix, cancellationToken).ConfigureAwait(false))
            {
                if (!BucketLayout.TryParseBlockKey(o.Key, out var tenant, out var id, out var file) || Tenant.Validate(tenant) != null)
                    continue;
                objects.Add(o);
                var k = tenant + "/" + id;
                if (file == BucketLayout.Meta)
                    committedAt[k] = o.LastModified;
                parts.TryGetValue(k, out var p);
                p = file switch
                {
                    BucketLayout.Chunks => p with { ChunksSize = o.Size, HasChunks = true },
                    BucketLayout.Index => p with { HasIndex = true },
                    BucketLayout.Meta => p with { HasMeta = true },
                    _ => p,
                };
                parts[k] = p;
            }
            _committedAt = committedAt;
            _uncommitted = objects.Where(o => BucketLayout.TryParseBlockKey(o.Key, out var t, out var i, out _) && !parts[t + "/" + i].HasMeta)
                .Select(o => (o.Key, o.LastModified)).ToList();
            foreach (var (k, p) in parts)
            {
                if (!p.HasMeta)
                    continue;
                var slash = k.IndexOf('/', StringComparison.Ordinal);
                committed[k] = (k[..slash], k[(slash + 1)..], p.ChunksSize, p.HasIndex, p.HasChunks);
            }

            // Metas of committed blocks not seen before (small; fetched in parallel).
            var newMetas = committed.Keys.Where(k => !_metas.ContainsKey(k)).ToList();
            await Parallel.ForEachAsync(newMetas, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (k, ct) =>
            {
                var (tenant, id, _, _, _) = committed[k];
                var bytes = await CachedAsync(tenant, id, BucketLayout.Meta, ct).ConfigureAwait(false);
                if (bytes == null)
                    return;
                try
                {
                    var meta = BlockReader.ParseMeta(bytes, BucketLayout.BlockKey(tenant, id, BucketLayout.Meta));
                    lock (_metas)
                        _metas[k] = meta;
                }
                catch (StorageCorruptionException e)
                {
                    Unreadable(tenant, id, e);
                }
            }).ConfigureAwait(false);
            foreach (var k in _metas.Keys.Where(k => !committed.ContainsKey(k)).ToList())
                _metas.Remove(k);

            var replaced = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (k, meta) in _metas)
            {
                var tenant = k[..k.IndexOf('/', StringComparison.Ordinal)];
                foreach (var source in meta.Sources)
                    replaced.Add(tenant + "/" + source);
            }
            var live = _metas.Keys.Where(k => !replaced.Contains(k) && committed[k].HasChunks && committed[k].HasIndex).ToHashSet(StringComparer.Ordinal);

            // Open what is live and not open yet (index fetched, kept in the cache directory).
            var toOpen = live.Where(k => !_open.ContainsKey(k)).ToList();
            var opened = new ConcurrentBag<(string Key, BlockReader Reader)>();
            await Parallel.ForEachAsync(toOpen, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (k, ct) =>
            {
                var (tenant, id, chunksSize, _, _) = committed[k];
                var meta = await CachedAsync(tenant, id, BucketLayout.Meta, ct).ConfigureAwait(false);
                var index = await CachedAsync(tenant, id, BucketLayout.Index, ct).ConfigureAwait(false);
                if (meta == null || index == null)
                    return;
                var dir = BlockDir(tenant, id);
                var key = BucketLayout.BlockKey(tenant, id, BucketLayout.Chunks);
                try
                {
                    opened.Add((k, BlockReader.Open(dir, meta, BucketLayout.BlockKey(tenant, id, BucketLayout.Meta), index,
                        BucketLayout.BlockKey(tenant, id, BucketLayout.Index), new CachedChunkData(_bucket, key, chunksSize, dir, _cache))));
                }
                catch (StorageCorruptionException e)
                {
                    Unreadable(tenant, id, e);
                }
            }).ConfigureAwait(false);
            foreach (var (k, reader) in opened)
                _open[k] = reader;
            // Tenants with a committed block this view could not read (its meta or index unreadable): work that must
            // cover every block of a tenant (a delete request) is not complete for them.
            var incomplete = new HashSet<string>(StringComparer.Ordinal);
            foreach (var k in committed.Keys)
                if (!replaced.Contains(k) && (!_metas.ContainsKey(k) || (live.Contains(k) && !_open.ContainsKey(k))))
                    incomplete.Add(committed[k].Tenant);
            _incomplete = incomplete;

            foreach (var k in _open.Keys.Where(k => !live.Contains(k)).ToList())
            {
                _dropLater.Add(_open[k].Directory);
                _open.Remove(k);
            }
            var byTenant = _open.GroupBy(kv => kv.Key[..kv.Key.IndexOf('/', StringComparison.Ordinal)], StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(kv => kv.Value).OrderBy(b => b.Meta.MinTime).ToArray(), StringComparer.Ordinal);
            foreach (var tenant in _byTenant.Keys)
                if (!byTenant.ContainsKey(tenant))
                    _byTenant[tenant] = [];
            foreach (var (tenant, blocks) in byTenant)
                _byTenant[tenant] = blocks;
            LastSync = DateTime.UtcNow;
            if (toOpen.Count > 0)
                _logger.LogInformation("bucket sync: {New} new blocks, {Total} readable in {Bucket}", opened.Count, _open.Count, _bucket.Description);
        }
        finally
        {
            _syncing.Release();
        }
    }

    private string BlockDir(string tenant, string id) => Path.Combine(_dir, tenant, id);

    /// <summary>
    /// A committed block whose meta or index does not parse is skipped for this sync, and its cached copies are dropped
    /// so that the next sync fetches them again: a store without atomic writes (s3rver, some gateways) can serve an
    /// object that is still being written, and caching that would hide the block for good. Logged once per block.
    /// </summary>
    private void Unreadable(string tenant, string id, StorageCorruptionException e)
    {
        foreach (var file in new[] { BucketLayout.Meta, BucketLayout.Index })
        {
            try
            {
                File.Delete(Path.Combine(BlockDir(tenant, id), file));
            }
            catch (IOException)
            {
                // Retried with the next unreadable read.
            }
        }
        bool first;
        lock (_unreadable)
            first = _unreadable.Add(tenant + "/" + id);
        if (first)
            _logger.LogError("unreadable block {Key}: {Message}; skipped until it reads whole", e.Path, e.Message);
    }

    /// <summary>True when the block's meta.json was in the bucket at the last sync.</summary>
    public bool IsCommitted(string tenant, string id) => _committedAt.ContainsKey(tenant + "/" + id);

    /// <summary>
    /// Committed blocks that another committed block replaces, with when the earliest replacement was committed (the
    /// compactor deletes them once its delay has passed).
    /// </summary>
    public IReadOnlyList<(string Tenant, string Id, DateTimeOffset ReplacedAt)> Replaced()
    {
        var result = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var (k, meta) in _metas)
        {
            if (!_committedAt.TryGetValue(k, out var at))
                continue;
            var tenant = k[..k.IndexOf('/', StringComparison.Ordinal)];
            foreach (var source in meta.Sources)
            {
                var sk = tenant + "/" + source;
                if (_committedAt.ContainsKey(sk) && (!result.TryGetValue(sk, out var old) || at < old))
                    result[sk] = at;
            }
        }
        return result.Select(kv =>
        {
            var slash = kv.Key.IndexOf('/', StringComparison.Ordinal);
            return (kv.Key[..slash], kv.Key[(slash + 1)..], kv.Value);
        }).ToList();
    }

    /// <summary>Objects of blocks that have no meta.json, older than <paramref name="age"/> (uploads that died).</summary>
    public IReadOnlyList<string> Orphans(TimeSpan age)
    {
        var cutoff = DateTimeOffset.UtcNow - age;
        return _uncommitted.Where(o => o.LastModified < cutoff).Select(o => o.Key).ToList();
    }

    /// <summary>A small block object (meta or index) from the cache directory, fetched and stored there on first use.</summary>
    private async Task<byte[]?> CachedAsync(string tenant, string id, string file, CancellationToken cancellationToken)
    {
        var path = Path.Combine(BlockDir(tenant, id), file);
        if (File.Exists(path))
            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        var bytes = await _bucket.GetAsync(BucketLayout.BlockKey(tenant, id, file), cancellationToken).ConfigureAwait(false);
        if (bytes == null)
            return null;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = path + ".tmp" + Guid.NewGuid().ToString("N")[..8];
        await File.WriteAllBytesAsync(tmp, bytes, cancellationToken).ConfigureAwait(false);
        File.Move(tmp, path, overwrite: true);
        return bytes;
    }

    /// <summary>Adds the bucket's chunks of matching streams in the request's range to <paramref name="groups"/>.</summary>
    internal void Collect(SelectRequest request, Dictionary<Labels, List<Source>> groups, CancellationToken cancellationToken) =>
        BlockSources.Collect(Blocks(request.Tenant), request.Matchers, request.StartNs, request.EndNs, groups, cancellationToken);

    /// <summary>
    /// Per-stream figures from the bucket. Blocks flushed by different ingesters hold replicas of the same entries, so
    /// the figures of each stream are summed per origin and the largest origin's taken, plus compacted blocks (whose
    /// replicas the compactor merged).
    /// </summary>
    public Dictionary<Labels, StreamSummary> Summaries(string tenant, IReadOnlyList<LabelMatcher>? matchers, long startNs, long endNs, CancellationToken cancellationToken)
    {
        var result = new Dictionary<Labels, StreamSummary>();
        var blocks = Blocks(tenant);
        BlockSources.Summarize(blocks.Where(b => b.Meta.Origin == null), matchers, startNs, endNs, result, cancellationToken);
        var best = new Dictionary<Labels, StreamSummary>();
        foreach (var group in blocks.Where(b => b.Meta.Origin != null).GroupBy(b => b.Meta.Origin))
        {
            var perOrigin = new Dictionary<Labels, StreamSummary>();
            BlockSources.Summarize(group, matchers, startNs, endNs, perOrigin, cancellationToken);
            StreamSummaries.MaxInto(best, perOrigin);
        }
        StreamSummaries.AddInto(result, best);
        return result;
    }

    public void Dispose()
    {
        foreach (var b in _open.Values)
            b.Dispose();
        _open.Clear();
        _syncing.Dispose();
    }
}
