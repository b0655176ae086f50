using Microsoft.Extensions.Logging;
using Sawmill.Core;
using Sawmill.Storage.Blocks;
using Sawmill.Storage.Chunks;
using Sawmill.Storage.Compaction;

namespace Sawmill.Storage;

// Compaction: retention, deletes, merging of small blocks and cold recompression, as rewrites of persisted blocks.
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
    /// <param name="policy">What to remove; null merges only.</param>
    /// <param name="recompressOlderThanNs">
    /// Chunks this run rewrites or copies anyway whose newest entry is older than this (Unix ns) are recompressed for
    /// cold storage on the way (see <see cref="RecompressAsync"/>): a block that keeps being merged with newer small
    /// blocks would otherwise never be old enough as a whole. <see cref="long.MinValue"/> (the default) recompresses nothing.
    /// </param>
    /// <param name="cancellationToken">Stops the run between chunks; the unfinished output is removed.</param>
    public async Task<CompactionResult> CompactAsync(IRetentionPolicy? policy, long recompressOlderThanNs, CancellationToken cancellationToken = default)
    {
        await _compactMutex.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Factory.StartNew(() => Compact(policy, recompressOlderThanNs, cancellationToken), cancellationToken,
                TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }
        finally
        {
            _compactMutex.Release();
        }
    }

    /// <inheritdoc cref="CompactAsync(IRetentionPolicy?, long, CancellationToken)"/>
    public Task<CompactionResult> CompactAsync(IRetentionPolicy? policy, CancellationToken cancellationToken = default) =>
        CompactAsync(policy, long.MinValue, cancellationToken);

    private CompactionResult Compact(IRetentionPolicy? policy, long recompressOlderThanNs, CancellationToken cancellationToken)
    {
        try
        {
            return CompactCore(policy, recompressOlderThanNs, cancellationToken);
        }
        finally
        {
            Compression.ReleaseThreadCompressors();
        }
    }

    private CompactionResult CompactCore(IRetentionPolicy? policy, long recompressOlderThanNs, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        int compacted = 0, written = 0;
        long removed = 0, before = 0, after = 0;
        var cold = new RecompressionTally();
        foreach (var tenant in _tenants.Values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var blocks = tenant.Blocks;
            var group = new List<BlockReader>();
            var small = new List<BlockReader>();
            foreach (var b in blocks)
            {
                if (CompactionScan.NeedsRewrite(b, tenant.Name, policy) || _damaged.AnyIn(b))
                    group.Add(b);
                else if (b.Meta.StoredBytes < _options.CompactionSmallBlockBytes)
                    small.Add(b);
            }
            if (small.Count >= 2 || (group.Count > 0 && small.Count > 0))
                group.AddRange(small);
            if (group.Count == 0)
                continue;

            long tenantRemoved = 0;
            var series = CompactionScan.SeriesOf(group);
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
                    var chunk = ReadIntactChunk(tenant.Name, block, meta);
                    if (chunk == null)
                        continue;
                    if (meta.MinT >= cutoff && (policy == null || !policy.MayDelete(tenant.Name, labels, meta.MinT, meta.MaxT)))
                    {
                        yield return meta.MaxT < recompressOlderThanNs && !chunk.Recompressed
                            ? cold.Recompress(chunk, meta, _options.Recompression, this, cancellationToken)
                            : chunk;
                        continue;
                    }
                    var (rewritten, n) = ChunkRewriter.Rewrite(chunk, tenant.Name, labels, cutoff, policy, _options.BlockSize, _options.Recompression);
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
            foreach (var b in group)
                _damaged.Forget(b);
            lock (tenant.ViewLock)
            {
                var next = tenant.Blocks.Where(b => !replaced.Contains(b)).ToList();
                if (output != null)
                    next.Add(output);
                tenant.Blocks = [.. next.OrderBy(b => b.Meta.MinTime)];
            }
            foreach (var b in group)
                RemoveBlockDirectory(b.Directory, "compacted");
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
        return new CompactionResult(compacted, written, removed, before, after, started.Elapsed) { Recompressed = cold.Result(0, started.Elapsed) };
    }

    /// <summary>
    /// Cold recompression: every chunk whose newest entry is older than <paramref name="olderThanNs"/> (Unix ns) and
    /// that is not recompressed yet is re-encoded for cold storage (<see cref="LogStoreOptions.Recompression"/>: high zstd
    /// level, larger blocks, compact token filter; chunk version 2, see docs/format/chunk.md), in a rewrite of its block
    /// in which the block's other chunks are copied. A block whose chunks are all cold is marked so in its meta and not
    /// looked at again; for the others only the first 8 bytes of their old chunks are read to find out. Each chunk is
    /// recompressed once in its life.
    /// <para>
    /// One block at a time, on one thread of its own, yielding between chunks and pausing to stay within
    /// <see cref="RecompressionSettings.CpuShare"/> of a core; cancellation stops between chunks and removes the
    /// unfinished output. Crash-safe like <see cref="CompactAsync(IRetentionPolicy?, long, CancellationToken)"/>: the new
    /// block is written and renamed into place before its input is removed, and lists the input in its sources, so an
    /// open after a crash keeps exactly one of them. Queries read the old block until the swap and the new one after it;
    /// the entries are identical. Runs never overlap with each other or with compaction runs.
    /// </para>
    /// </summary>
    public async Task<RecompressionResult> RecompressAsync(long olderThanNs, CancellationToken cancellationToken = default)
    {
        await _compactMutex.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A thread of its own (it runs for minutes and sleeps to keep within its CPU share), below normal priority
            // where the OS lets a process lower a thread's priority.
            return await Task.Factory.StartNew(() =>
            {
                try
                {
                    Thread.CurrentThread.Priority = ThreadPriority.BelowNormal;
                }
                catch (Exception e) when (e is PlatformNotSupportedException or ThreadStateException)
                {
                }
                return Recompress(olderThanNs, cancellationToken);
            }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }
        finally
        {
            _compactMutex.Release();
        }
    }

    private static void Throttle(TimeSpan took, double cpuShare, CancellationToken cancellationToken)
    {
        Thread.Yield();
        if (cpuShare >= 1)
            return;
        var pause = took * (1 / cpuShare - 1);
        if (pause > TimeSpan.Zero && cancellationToken.WaitHandle.WaitOne(pause))
            cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Test hook: runs after each chunk a recompression re-encoded (on the recompressing thread).</summary>
    internal Action? AfterChunkRecompressed { get; set; }

    private RecompressionResult Recompress(long olderThanNs, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var rewritten = 0;
        var cold = new RecompressionTally();
        var settings = _options.Recompression;
        try
        {
            foreach (var tenant in _tenants.Values)
            {
                foreach (var block in tenant.Blocks)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (block.Meta.Recompressed || block.Meta.MinTime >= olderThanNs || !HasChunkToRecompress(block, olderThanNs))
                        continue;
                    var chunksBefore = cold.Chunks;
                    IEnumerable<Chunk> Produce(ChunkMeta[] metas)
                    {
                        foreach (var meta in metas)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            var chunk = ReadIntactChunk(tenant.Name, block, meta);
                    if (chunk == null)
                        continue;
                            yield return meta.MaxT < olderThanNs && !chunk.Recompressed
                                ? cold.Recompress(chunk, meta, settings, this, cancellationToken)
                                : chunk;
                        }
                    }
                    var dir = BlockWriter.Write(Path.Combine(_blocksDir, tenant.Name), tenant.Name,
                        block.Series.Select(s => (s.Labels, Produce(s.Chunks))), block.Meta.Checkpoint, [block.Meta.Id], block.Meta.Level);
                    var output = dir == null ? null : BlockReader.Open(dir);
                    lock (tenant.ViewLock)
                    {
                        var next = tenant.Blocks.Where(b => b != block).ToList();
                        if (output != null)
                            next.Add(output);
                        tenant.Blocks = [.. next.OrderBy(b => b.Meta.MinTime)];
                    }
                    // As in Compact: queries that opened the old block keep reading it through their handle.
                    var deleting = block.Directory + ".deleting";
                    try
                    {
                        Directory.Move(block.Directory, deleting);
                        TryDelete(deleting, _logger);
                    }
                    catch (IOException e)
                    {
                        _logger.LogWarning("could not remove recompressed block {Path}: {Message}", block.Directory, e.Message);
                    }
                    rewritten++;
                    if (output != null)
                        Interlocked.Increment(ref Metrics.BlocksWrittenCount);
                    _logger.LogInformation("recompressed block {Block} of tenant {Tenant} into {Output}: {Chunks} chunks, {Before} → {After} bytes",
                        block.Meta.Id, tenant.Name, dir ?? "nothing", cold.Chunks - chunksBefore, block.Meta.StoredBytes, output?.Meta.StoredBytes ?? 0);
                }
            }
        }
        finally
        {
            // The high-level compressor's tables (tens of MiB at level 19) are not kept on this thread.
            Compression.ReleaseThreadCompressors();
            if (rewritten > 0)
                UpdateDiskMetrics();
        }
        return cold.Result(rewritten, started.Elapsed);
    }

    /// <summary>
    /// True when the block has a chunk older than the cutoff that is not recompressed yet (chunks newer than the cutoff are
    /// not looked at; for the others only their first 8 bytes are read).
    /// </summary>
    private static bool HasChunkToRecompress(BlockReader block, long olderThanNs)
    {
        foreach (var (_, chunks) in block.Series)
            foreach (var c in chunks)
                if (c.MaxT < olderThanNs && !block.IsRecompressed(c))
                    return true;
        return false;
    }

    /// <summary>Recompresses chunks for a run and adds up what it did. One per run; used on the run's thread only.</summary>
    private sealed class RecompressionTally
    {
        public int Chunks { get; private set; }
        private long _raw, _before, _after;

        public Chunk Recompress(Chunk chunk, ChunkMeta meta, RecompressionSettings settings, LogStore store, CancellationToken cancellationToken)
        {
            var took = System.Diagnostics.Stopwatch.StartNew();
            var cold = ChunkRecompressor.Recompress(chunk, settings);
            var stored = ChunkFormat.HeaderSize(cold) + cold.StoredBytes;
            Chunks++;
            _raw += cold.RawBytes;
            _before += meta.Length;
            _after += stored;
            Interlocked.Add(ref store.Metrics.RecompressedBytesBeforeCount, meta.Length);
            Interlocked.Add(ref store.Metrics.RecompressedBytesAfterCount, stored);
            store.AfterChunkRecompressed?.Invoke();
            // Recompression is the compactor's background work: let pushes and queries run first, and stay within the
            // configured share of a core.
            Throttle(took.Elapsed, settings.CpuShare, cancellationToken);
            return cold;
        }

        public RecompressionResult Result(int blocks, TimeSpan elapsed) => new(blocks, Chunks, _raw, _before, _after, elapsed);
    }

    /// <summary>
    /// Reads a chunk for compaction and checks every block's checksum. When something is damaged, the chunk's bytes (as
    /// far as they can be read) are moved aside to <c>blocks/&lt;tenant&gt;/damaged/&lt;block&gt;-&lt;offset&gt;.chunk</c>
    /// with the reason beside them, and only its intact blocks go on into the output (none when its header is damaged),
    /// so one bad chunk neither stops compaction nor stays in the data. The token filter is kept: it covered more lines
    /// than remain, which only makes it pass a little more often.
    /// </summary>
    private Chunk? ReadIntactChunk(string tenant, BlockReader block, ChunkMeta meta)
    {
        Chunk? chunk = null;
        string? reason = null;
        var intact = new List<EncodedBlock>();
        try
        {
            chunk = block.ReadChunk(meta);
            foreach (var b in chunk.Blocks)
            {
                try
                {
                    BlockFormat.Verify(b);
                    intact.Add(b);
                }
                catch (StorageCorruptionException e)
                {
                    reason ??= _damaged.Reason(block, meta) ?? e.Message;
                    _damaged.Report(block, meta, e);
                }
            }
        }
        catch (StorageCorruptionException e)
        {
            _damaged.Report(block, meta, e);
            reason = _damaged.Reason(block, meta) ?? e.Message;
            chunk = null;
        }
        if (reason == null)
            return chunk;
        var dir = Path.Combine(_blocksDir, tenant, DamagedDirectoryName);
        Directory.CreateDirectory(dir);
        var name = Path.Combine(dir, $"{block.Meta.Id}-{meta.Offset}");
        File.WriteAllBytes(name + ".chunk", block.ReadRawBytes(meta));
        var kept = chunk == null ? 0 : intact.Sum(b => b.Entries);
        File.WriteAllText(name + ".txt", $"chunk at offset {meta.Offset} ({meta.Length} bytes, {meta.Entries} entries, {meta.MinT}..{meta.MaxT} ns) " +
            $"of block {block.Directory}, moved aside by compaction on {DateTime.UtcNow:O}; {kept} entries of its intact blocks were kept: {reason}\n");
        Interlocked.Increment(ref Metrics.QuarantinedChunksCount);
        _logger.LogError("damaged chunk moved aside block={Block} offset={Offset} entries={Entries} kept={Kept} to={Path} err={Error}",
            block.Directory, meta.Offset, meta.Entries, kept, name + ".chunk", reason);
        return chunk == null || intact.Count == 0 ? null : new Chunk([.. intact], chunk.Filter, chunk.Codec, chunk.Recompressed);
    }

    /// <summary>
    /// Removes a block that is no longer in the view. Queries that opened it keep reading through their open handle (the
    /// handle outlives the unlink); the rename first makes the removal atomic for the next open.
    /// </summary>
    private void RemoveBlockDirectory(string directory, string what)
    {
        var deleting = directory + ".deleting";
        try
        {
            Directory.Move(directory, deleting);
            TryDelete(deleting, _logger);
        }
        catch (IOException e)
        {
            _logger.LogWarning("could not remove {What} block {Path}: {Message}", what, directory, e.Message);
        }
    }
}
