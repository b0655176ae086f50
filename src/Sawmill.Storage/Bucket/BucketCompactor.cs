using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sawmill.Core;
using Sawmill.Storage.Blocks;
using Sawmill.Storage.Chunks;
using Sawmill.Storage.Compaction;
using Sawmill.Storage.Query;

namespace Sawmill.Storage.Bucket;

/// <summary>Settings of a <see cref="BucketCompactor"/>.</summary>
public sealed record BucketCompactorOptions
{
    /// <summary>Local directory where output blocks are built before upload.</summary>
    public required string WorkingDirectory { get; init; }

    /// <summary>Compacted blocks smaller than this are merged with each other.</summary>
    public long SmallBlockBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Input bytes of one output block at most (a run makes several blocks beyond it).</summary>
    public long MaxInputBytes { get; init; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Compressed size at which a rebuilt chunk is cut (the ingesters' <c>chunk_target_size</c>).</summary>
    public long ChunkTargetSize { get; init; } = 1_572_864;

    /// <summary>Raw line bytes per block of rebuilt chunks (<c>chunk_block_size</c>).</summary>
    public int BlockSize { get; init; } = 262_144;

    public ChunkCodec Codec { get; init; } = ChunkCodec.Zstd;

    /// <summary>How cold chunks are re-encoded.</summary>
    public RecompressionSettings Recompression { get; init; } = new();

    /// <summary>How long a replaced block stays in the bucket (readers that listed it before the switch still read it).</summary>
    public TimeSpan DeleteDelay { get; init; } = TimeSpan.FromHours(2);

    /// <summary>Objects of a block that never got its meta.json (an upload that died) are removed after this long.</summary>
    public TimeSpan OrphanAge { get; init; } = TimeSpan.FromHours(1);
}

/// <summary>
/// What a <see cref="BucketCompactor"/> run did. <paramref name="Incomplete"/>: tenants the run could not cover whole (a
/// block unreadable in the bucket or a group left as it was for damaged data), for which the policy's deletions are not
/// all applied.
/// </summary>
public sealed record BucketCompactionResult(int BlocksIn, int BlocksOut, long EntriesRemoved, long DuplicatesMerged, long BytesBefore, long BytesAfter,
    int BlocksDeleted, int ChunksRecompressed, TimeSpan Elapsed, IReadOnlySet<string> Incomplete);

/// <summary>
/// The backend's compactor on the bucket (one node at a time, under a leader lease the caller holds). A run, per tenant:
/// merges the blocks ingesters uploaded — replicas of the same streams from different ingesters — and the small compacted
/// blocks into one new block, in which the entries the replicas share are kept once; applies retention and delete
/// requests (<see cref="IRetentionPolicy"/>) to the blocks they touch; and re-encodes chunks older than the cold cutoff.
/// Every rewrite is crash-safe in the bucket's terms: the new block is uploaded (chunks, index, then meta.json naming its
/// inputs in <c>sources</c>, the one atomic switch), and the inputs are deleted only <see cref="BucketCompactorOptions.DeleteDelay"/>
/// later. A crash before the switch leaves objects without a meta, removed after <see cref="BucketCompactorOptions.OrphanAge"/>.
/// Not thread-safe: one run at a time.
/// </summary>
public sealed class BucketCompactor(BucketBlockSet view, BucketCompactorOptions options, ILogger logger)
{
    private readonly IBucket _bucket = view.Bucket;

    /// <param name="policy">What to remove (null: merge only).</param>
    /// <param name="recompressOlderThanNs">Chunks whose newest entry is older than this are re-encoded cold; <see cref="long.MinValue"/>: none.</param>
    /// <param name="stillLeader">Checked before every switch: a compactor that lost its lease stops before it publishes anything.</param>
    public async Task<BucketCompactionResult> RunAsync(IRetentionPolicy? policy, long recompressOlderThanNs, Func<bool> stillLeader, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        await view.SyncAsync(cancellationToken).ConfigureAwait(false);
        int blocksIn = 0, blocksOut = 0, recompressed = 0;
        long removed = 0, merged = 0, before = 0, after = 0;
        var incomplete = new HashSet<string>(view.IncompleteTenants, StringComparer.Ordinal);
        foreach (var tenant in view.Tenants())
        {
            foreach (var group in Groups(tenant, policy))
            {
                cancellationToken.ThrowIfCancellationRequested();
                Rewritten r;
                try
                {
                    r = await RewriteAsync(tenant, group, policy, recompressOlderThanNs, stillLeader, cancellationToken).ConfigureAwait(false);
                }
                catch (StorageCorruptionException e)
                {
                    // A damaged chunk stays where it is (queries skip it with a warning; `sawmill check` names it): its
                    // group is left as it was and the other groups go on.
                    logger.LogError("compaction of {Blocks} blocks of tenant {Tenant} skipped: damaged data in {Path}: {Message}", group.Count, tenant, e.Path, e.Message);
                    incomplete.Add(tenant);
                    continue;
                }
                blocksIn += group.Count;
                blocksOut += r.Output ? 1 : 0;
                removed += r.Removed;
                merged += r.Duplicates;
                recompressed += r.Recompressed;
                before += group.Sum(b => b.Meta.StoredBytes);
                after += r.Bytes;
            }
            // Compacted blocks with chunks old enough for cold storage, one block at a time.
            if (recompressOlderThanNs != long.MinValue)
                foreach (var block in view.Blocks(tenant).Where(b => b.Meta.Origin == null && !b.Meta.Recompressed && b.Meta.MinTime < recompressOlderThanNs).ToList())
                {
                    if (!HasColdCandidate(block, recompressOlderThanNs))
                        continue;
                    var r = await RewriteAsync(tenant, [block], policy, recompressOlderThanNs, stillLeader, cancellationToken).ConfigureAwait(false);
                    blocksIn++;
                    blocksOut += r.Output ? 1 : 0;
                    recompressed += r.Recompressed;
                    before += block.Meta.StoredBytes;
                    after += r.Bytes;
                }
        }
        var deleted = await DeleteReplacedAsync(stillLeader, cancellationToken).ConfigureAwait(false);
        return new BucketCompactionResult(blocksIn, blocksOut, removed, merged, before, after, deleted, recompressed, started.Elapsed, incomplete);
    }

    private static bool HasColdCandidate(BlockReader block, long cutoff)
    {
        foreach (var (_, chunks) in block.Series)
            foreach (var c in chunks)
                if (c.MaxT < cutoff && !block.IsRecompressed(c))
                    return true;
        return false;
    }

    /// <summary>
    /// The blocks to rewrite together: every block an ingester uploaded, every block the policy touches, and the small
    /// compacted ones — cut into groups of at most <see cref="BucketCompactorOptions.MaxInputBytes"/> in time order.
    /// </summary>
    private List<List<BlockReader>> Groups(string tenant, IRetentionPolicy? policy)
    {
        var blocks = view.Blocks(tenant);
        var chosen = new List<BlockReader>();
        var small = new List<BlockReader>();
        foreach (var b in blocks)
        {
            if (b.Meta.Origin != null || CompactionScan.NeedsRewrite(b, tenant, policy))
                chosen.Add(b);
            else if (b.Meta.StoredBytes < options.SmallBlockBytes)
                small.Add(b);
        }
        if (small.Count >= 2 || chosen.Count > 0)
            chosen.AddRange(small);
        var groups = new List<List<BlockReader>>();
        var current = new List<BlockReader>();
        long size = 0;
        foreach (var b in chosen.OrderBy(b => b.Meta.MinTime))
        {
            if (current.Count > 0 && size + b.Meta.StoredBytes > options.MaxInputBytes)
            {
                groups.Add(current);
                current = [];
                size = 0;
            }
            current.Add(b);
            size += b.Meta.StoredBytes;
        }
        if (current.Count > 0)
            groups.Add(current);
        // A lone compacted block is rewritten only when the policy removes something from it.
        return groups.Where(g => g.Count > 1 || g[0].Meta.Origin != null || CompactionScan.NeedsRewrite(g[0], tenant, policy)).ToList();
    }

    private sealed record Rewritten(bool Output, long Bytes, long Removed, long Duplicates, int Recompressed);

    private async Task<Rewritten> RewriteAsync(string tenant, List<BlockReader> group, IRetentionPolicy? policy, long coldCutoff, Func<bool> stillLeader, CancellationToken cancellationToken)
    {
        var series = CompactionScan.SeriesOf(group);
        long removed = 0, duplicates = 0;
        var recompressed = 0;

        Chunk Cold(Chunk chunk)
        {
            if (chunk.MaxT >= coldCutoff || chunk.Recompressed)
                return chunk;
            recompressed++;
            return ChunkRecompressor.Recompress(chunk, options.Recompression);
        }

        IEnumerable<Chunk> Produce(Labels labels, List<(BlockReader Block, ChunkMeta Chunk)> refs)
        {
            var cutoff = policy?.Cutoff(tenant, labels) ?? long.MinValue;
            refs.Sort((a, b) => a.Chunk.MinT.CompareTo(b.Chunk.MinT));
            if (Overlapping(refs))
            {
                foreach (var c in Rebuild(tenant, labels, refs, cutoff, policy, cancellationToken, ref removed, ref duplicates))
                    yield return Cold(c);
                yield break;
            }
            foreach (var (block, meta) in refs)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (meta.MaxT < cutoff)
                {
                    removed += meta.Entries;
                    continue;
                }
                var chunk = block.ReadChunk(meta);
                if (meta.MinT >= cutoff && (policy == null || !policy.MayDelete(tenant, labels, meta.MinT, meta.MaxT)))
                {
                    yield return Cold(chunk);
                    continue;
                }
                var (rewritten, n) = ChunkRewriter.Rewrite(chunk, tenant, labels, cutoff, policy, options.BlockSize, options.Recompression);
                removed += n;
                if (rewritten != null)
                    yield return Cold(rewritten);
            }
        }

        // Sources: the inputs, and the blocks they replaced that are still in the bucket (so that deleting an input later
        // never brings its own replaced blocks back).
        var sources = new SortedSet<string>(group.Select(b => b.Meta.Id), StringComparer.Ordinal);
        foreach (var b in group)
            foreach (var s in b.Meta.Sources)
                if (view.IsCommitted(tenant, s))
                    sources.Add(s);
        var tenantDir = Path.Combine(options.WorkingDirectory, tenant);
        string? dir = null;
        try
        {
            dir = await Task.Factory.StartNew(() => BlockWriter.Write(tenantDir, tenant, series.Select(kv => (kv.Key, Produce(kv.Key, kv.Value))),
                0, [.. sources], group.Max(b => b.Meta.Level) + 1), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
            if (!stillLeader())
                throw new OperationCanceledException("the compactor lease was lost; nothing was published");
            long bytes = 0;
            if (dir != null)
            {
                var id = Path.GetFileName(dir);
                await _bucket.PutFileAsync(BucketLayout.BlockKey(tenant, id, BucketLayout.Chunks), Path.Combine(dir, "chunks"), cancellationToken).ConfigureAwait(false);
                await _bucket.PutFileAsync(BucketLayout.BlockKey(tenant, id, BucketLayout.Index), Path.Combine(dir, "index"), cancellationToken).ConfigureAwait(false);
                bytes = new FileInfo(Path.Combine(dir, "chunks")).Length + new FileInfo(Path.Combine(dir, "index")).Length;
                if (!stillLeader())
                    throw new OperationCanceledException("the compactor lease was lost; nothing was published");
                // The switch: readers take this block and drop its sources from their next sync on.
                await _bucket.PutFileAsync(BucketLayout.BlockKey(tenant, id, BucketLayout.Meta), Path.Combine(dir, "meta.json"), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Nothing survives (retention removed it all): an empty marker block still has to replace the inputs.
                await PublishTombstoneAsync(tenant, sources, group, cancellationToken).ConfigureAwait(false);
            }
            logger.LogInformation("compacted {Blocks} blocks of tenant {Tenant} into {Output}: {Removed} entries removed, {Duplicates} replica duplicates merged, {Before} → {After} bytes",
                group.Count, tenant, dir == null ? "nothing" : Path.GetFileName(dir), removed, duplicates, group.Sum(b => b.Meta.StoredBytes), bytes);
            await view.SyncAsync(cancellationToken).ConfigureAwait(false);
            return new Rewritten(dir != null, bytes, removed, duplicates, recompressed);
        }
        finally
        {
            if (dir != null)
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (IOException e)
                {
                    logger.LogWarning("could not remove work directory {Dir}: {Message}", dir, e.Message);
                }
            }
        }
    }

    /// <summary>A block with no series whose only purpose is to name the inputs it replaces (everything in them expired).</summary>
    private async Task PublishTombstoneAsync(string tenant, IEnumerable<string> sources, List<BlockReader> group, CancellationToken cancellationToken)
    {
        var id = BlockWriter.NewId();
        var index = IndexFormat.Write([]);
        var meta = new BlockMeta
        {
            Id = id,
            Tenant = tenant,
            MinTime = group.Min(b => b.Meta.MinTime),
            MaxTime = group.Min(b => b.Meta.MinTime),
            Sources = [.. sources],
            Level = group.Max(b => b.Meta.Level) + 1,
            Recompressed = true,
            StoredBytes = index.Length,
        };
        await _bucket.PutAsync(BucketLayout.BlockKey(tenant, id, BucketLayout.Chunks), Array.Empty<byte>(), cancellationToken).ConfigureAwait(false);
        await _bucket.PutAsync(BucketLayout.BlockKey(tenant, id, BucketLayout.Index), index, cancellationToken).ConfigureAwait(false);
        await _bucket.PutAsync(BucketLayout.BlockKey(tenant, id, BucketLayout.Meta), JsonSerializer.SerializeToUtf8Bytes(meta, BlockMetaJsonContext.Default.BlockMeta), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when chunks of different blocks overlap in time (the refs are sorted by min time): replicas to merge.</summary>
    private static bool Overlapping(List<(BlockReader Block, ChunkMeta Chunk)> refs)
    {
        var reach = new Dictionary<BlockReader, long>();
        foreach (var (block, c) in refs)
        {
            foreach (var (b, maxT) in reach)
                if (b != block && maxT >= c.MinT)
                    return true;
            reach[block] = reach.TryGetValue(block, out var m) ? Math.Max(m, c.MaxT) : c.MaxT;
        }
        return false;
    }

    /// <summary>
    /// Rebuilds a stream whose chunks overlap across blocks: all its entries merged in time order with the exact
    /// duplicates (same timestamp and line) dropped — the entries replicas share — then cut into chunks again.
    /// </summary>
    private IEnumerable<Chunk> Rebuild(string tenant, Labels labels, List<(BlockReader Block, ChunkMeta Chunk)> refs, long cutoff, IRetentionPolicy? policy,
        CancellationToken cancellationToken, ref long removed, ref long duplicates)
    {
        var sources = refs.Select(r => (Source)new DiskChunkSource(r.Block, r.Chunk)).ToList();
        var input = refs.Sum(r => (long)r.Chunk.Entries);
        var request = new SelectRequest { Tenant = tenant, Matchers = [], StartNs = long.MinValue, EndNs = long.MaxValue, Direction = Direction.Forward, Fields = EntryFields.All };
        var chunks = new List<Chunk>();
        long kept = 0, dropped = 0;
        var mayDelete = policy != null && policy.MayDelete(tenant, labels, refs.Min(r => r.Chunk.MinT), refs.Max(r => r.Chunk.MaxT));
        using (var it = new StreamIterator(labels, sources, request, SearchPlan.For(request)?.ForStream(labels)))
        {
            var builder = ChunkBuilder.Flush(options.Codec, options.BlockSize);
            var n = 0;
            while (it.Next())
            {
                if ((++n & 4095) == 0)
                    cancellationToken.ThrowIfCancellationRequested();
                var ts = it.TimestampNs;
                var line = it.Line;
                if (ts < cutoff || (mayDelete && policy!.IsDeleted(tenant, labels, ts, line)))
                {
                    dropped++;
                    continue;
                }
                var metadata = it.Metadata;
                builder.Append(ts, line, metadata.IsEmpty ? null : metadata.ToArray());
                kept++;
                if (builder.SealedBytes >= options.ChunkTargetSize)
                {
                    chunks.Add(builder.Build()!);
                    builder = ChunkBuilder.Flush(options.Codec, options.BlockSize);
                }
            }
            if (builder.Build() is { } last)
                chunks.Add(last);
        }
        removed += dropped;
        duplicates += input - kept - dropped;
        return chunks;
    }

    /// <summary>
    /// Deletes the blocks replaced more than the delete delay ago (meta first, so a reader listing meanwhile never sees a
    /// block without its data), and objects of blocks that never got a meta.json. Returns the blocks deleted.
    /// </summary>
    private async Task<int> DeleteReplacedAsync(Func<bool> stillLeader, CancellationToken cancellationToken)
    {
        var deleted = 0;
        var now = DateTimeOffset.UtcNow;
        foreach (var (tenant, id, replacedAt) in view.Replaced())
        {
            if (now - replacedAt < options.DeleteDelay || !stillLeader())
                continue;
            // The replacing block lists everything this one replaced, so removing it cannot bring older blocks back.
            await _bucket.DeleteAsync(BucketLayout.BlockKey(tenant, id, BucketLayout.Meta), cancellationToken).ConfigureAwait(false);
            await _bucket.DeleteAsync(BucketLayout.BlockKey(tenant, id, BucketLayout.Chunks), cancellationToken).ConfigureAwait(false);
            await _bucket.DeleteAsync(BucketLayout.BlockKey(tenant, id, BucketLayout.Index), cancellationToken).ConfigureAwait(false);
            deleted++;
        }
        foreach (var key in view.Orphans(options.OrphanAge))
        {
            if (!stillLeader())
                break;
            await _bucket.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }
        if (deleted > 0)
            logger.LogInformation("deleted {Blocks} replaced blocks from {Bucket}", deleted, _bucket.Description);
        return deleted;
    }
}
