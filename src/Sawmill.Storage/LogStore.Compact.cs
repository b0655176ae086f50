using Microsoft.Extensions.Logging;
using Sawmill.Core;
using Sawmill.Storage.Blocks;
using Sawmill.Storage.Chunks;
using Sawmill.Storage.Compaction;

namespace Sawmill.Storage;

// Compaction: retention, deletes and merging of small blocks, as rewrites of persisted blocks.
public sealed partial class LogStore
{
    private readonly SemaphoreSlim _compactMutex = new(1, 1);

    /// <summary>
    /// Rewrites persisted blocks: removes entries older than the policy's cutoff for their stream and entries its
    /// delete requests cover, and merges small blocks, for every tenant. Chunks nothing touches are copied byte for
    /// byte. Crash-safe: the new block is written and renamed into place before its inputs are removed (an interrupted
    /// run leaves either the inputs or the output visible, see docs/format/block.md). Entries still in the head are
    /// rewritten once they are flushed (the server hides them from queries meanwhile). One run at a time; pushes and
    /// queries continue during it.
    /// </summary>
    public async Task<CompactionResult> CompactAsync(IRetentionPolicy? policy, CancellationToken cancellationToken = default)
    {
        await _compactMutex.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => Compact(policy, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _compactMutex.Release();
        }
    }

    private CompactionResult Compact(IRetentionPolicy? policy, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        int compacted = 0, written = 0;
        long removed = 0, before = 0, after = 0;
        foreach (var tenant in _tenants.Values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var blocks = tenant.Blocks;
            var group = new List<BlockReader>();
            var small = new List<BlockReader>();
            foreach (var b in blocks)
            {
                if (NeedsRewrite(b, tenant.Name, policy))
                    group.Add(b);
                else if (b.Meta.StoredBytes < _options.CompactionSmallBlockBytes)
                    small.Add(b);
            }
            if (small.Count >= 2 || (group.Count > 0 && small.Count > 0))
                group.AddRange(small);
            if (group.Count == 0)
                continue;

            long tenantRemoved = 0;
            var series = new Dictionary<Labels, List<(BlockReader Block, ChunkMeta Chunk)>>();
            foreach (var b in group)
                foreach (var (labels, chunks) in b.Series)
                {
                    if (!series.TryGetValue(labels, out var list))
                        series[labels] = list = [];
                    foreach (var c in chunks)
                        list.Add((b, c));
                }
            IEnumerable<Chunk> Produce(Labels labels, List<(BlockReader Block, ChunkMeta Chunk)> refs)
            {
                var cutoff = policy?.Cutoff(tenant.Name, labels) ?? long.MinValue;
                foreach (var (block, meta) in refs.OrderBy(r => r.Chunk.MinT))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (meta.MaxT < cutoff)
                    {
                        tenantRemoved += meta.Entries;
                        continue;
                    }
                    var chunk = block.ReadChunk(meta, null)!;
                    if (meta.MinT >= cutoff && (policy == null || !policy.MayDelete(tenant.Name, labels, meta.MinT, meta.MaxT)))
                    {
                        yield return chunk;
                        continue;
                    }
                    var (rewritten, n) = ChunkRewriter.Rewrite(chunk, tenant.Name, labels, cutoff, policy, _options.BlockSize);
                    tenantRemoved += n;
                    if (rewritten != null)
                        yield return rewritten;
                }
            }
            var dir = BlockWriter.Write(Path.Combine(_blocksDir, tenant.Name), tenant.Name,
                series.Select(kv => (kv.Key, Produce(kv.Key, kv.Value))),
                group.Max(b => b.Meta.Checkpoint), group.Select(b => b.Meta.Id).ToList(), group.Max(b => b.Meta.Level) + 1);
            var output = dir == null ? null : BlockReader.Open(dir);
            var replaced = new HashSet<BlockReader>(group);
            lock (tenant.ViewLock)
            {
                var next = tenant.Blocks.Where(b => !replaced.Contains(b)).ToList();
                if (output != null)
                    next.Add(output);
                tenant.Blocks = [.. next.OrderBy(b => b.Meta.MinTime)];
            }
            // Queries that opened a replaced block keep reading it through their open handle (the handle outlives
            // the unlink); the rename first makes the removal atomic for the next open.
            foreach (var b in group)
            {
                var deleting = b.Directory + ".deleting";
                try
                {
                    Directory.Move(b.Directory, deleting);
                    TryDelete(deleting, _logger);
                }
                catch (IOException e)
                {
                    _logger.LogWarning("could not remove compacted block {Path}: {Message}", b.Directory, e.Message);
                }
            }
            compacted += group.Count;
            before += group.Sum(b => b.Meta.StoredBytes);
            if (output != null)
            {
                written++;
                after += output.Meta.StoredBytes;
                Interlocked.Increment(ref Metrics.BlocksWrittenCount);
            }
            removed += tenantRemoved;
            _logger.LogInformation("compacted {Blocks} blocks of tenant {Tenant} into {Output}: {Removed} entries removed, {Before} → {After} bytes",
                group.Count, tenant.Name, dir ?? "nothing", tenantRemoved, group.Sum(b => b.Meta.StoredBytes), output?.Meta.StoredBytes ?? 0);
        }
        UpdateDiskMetrics();
        return new CompactionResult(compacted, written, removed, before, after, started.Elapsed);
    }

    private static bool NeedsRewrite(BlockReader block, string tenant, IRetentionPolicy? policy)
    {
        if (policy == null)
            return false;
        foreach (var (labels, chunks) in block.Series)
        {
            var cutoff = policy.Cutoff(tenant, labels);
            foreach (var c in chunks)
                if (c.MinT < cutoff || policy.MayDelete(tenant, labels, c.MinT, c.MaxT))
                    return true;
        }
        return false;
    }
}
