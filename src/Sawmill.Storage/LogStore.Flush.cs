using System.Globalization;
using Microsoft.Extensions.Logging;
using Sawmill.Core;
using Sawmill.Storage.Blocks;
using Sawmill.Storage.Chunks;
using Sawmill.Storage.Head;
using Sawmill.Storage.Wal;

namespace Sawmill.Storage;

// Flushing: cut chunks → blocks on disk → WAL checkpoint → old segments deleted; and opening blocks at start-up.
public sealed partial class LogStore
{
    private readonly SemaphoreSlim _flushMutex = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _flushLoop;

    internal static string CheckpointPath(string walDir, long index) => Path.Combine(walDir, $"checkpoint.{index:D8}");

    /// <summary>The newest complete checkpoint's index (0 = none); deletes older and unfinished ones.</summary>
    private int FindCheckpoint()
    {
        var best = 0;
        var found = new List<(string Path, int Index)>();
        foreach (var path in Directory.GetFiles(_walDir, "checkpoint.*"))
        {
            var suffix = Path.GetFileName(path)["checkpoint.".Length..];
            if (suffix.EndsWith(".tmp", StringComparison.Ordinal) || !int.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                TryDelete(path, _logger);
                continue;
            }
            found.Add((path, index));
            best = Math.Max(best, index);
        }
        foreach (var (path, index) in found)
            if (index < best)
                TryDelete(path, _logger);
        return best;
    }

    /// <summary>
    /// Opens every block directory. Unfinished (<c>.tmp</c>) directories and blocks newer than the checkpoint (their
    /// entries are still in the WAL) are deleted; blocks replaced by a finished compaction are deleted; a corrupt block
    /// is logged with the file named and renamed to <c>.corrupt</c> so that the store opens and serves the rest.
    /// </summary>
    internal const string DamagedDirectoryName = "damaged";

    private void OpenBlocks(long checkpoint)
    {
        foreach (var tenantDir in Directory.GetDirectories(_blocksDir))
        {
            var tenant = Path.GetFileName(tenantDir);
            if (Tenant.Validate(tenant) != null)
                continue;
            var readers = new List<BlockReader>();
            foreach (var dir in Directory.GetDirectories(tenantDir))
            {
                var name = Path.GetFileName(dir);
                if (name.EndsWith(".tmp", StringComparison.Ordinal))
                {
                    TryDelete(dir, _logger);
                    continue;
                }
                // Chunks that compaction moved aside are kept for inspection, never read.
                if (name == DamagedDirectoryName)
                    continue;
                if (name.EndsWith(".corrupt", StringComparison.Ordinal) || name.EndsWith(".deleting", StringComparison.Ordinal))
                {
                    if (name.EndsWith(".deleting", StringComparison.Ordinal))
                        TryDelete(dir, _logger);
                    continue;
                }
                try
                {
                    var reader = BlockReader.Open(dir);
                    if (reader.Meta.Checkpoint > checkpoint)
                    {
                        _logger.LogWarning("block {Path} was written after the last WAL checkpoint; deleting it, its entries are replayed from the WAL", dir);
                        reader.Dispose();
                        TryDelete(dir, _logger);
                        continue;
                    }
                    readers.Add(reader);
                }
                catch (StorageCorruptionException e)
                {
                    Interlocked.Increment(ref Metrics.CorruptBlocksCount);
                    _logger.LogError("corrupt block {Path}: {Message}; set aside as {Dir}.corrupt, the store serves everything else", e.Path, e.Message, dir);
                    try
                    {
                        Directory.Move(dir, dir + ".corrupt");
                    }
                    catch (IOException)
                    {
                    }
                }
            }
            // A compaction that finished (its block is renamed into place) but did not delete its sources.
            var replaced = new HashSet<string>(readers.SelectMany(r => r.Meta.Sources), StringComparer.Ordinal);
            foreach (var r in readers.Where(r => replaced.Contains(r.Meta.Id)).ToList())
            {
                r.Dispose();
                TryDelete(r.Directory, _logger);
                readers.Remove(r);
            }
            if (readers.Count > 0)
                GetTenant(tenant).Blocks = [.. readers.OrderBy(r => r.Meta.MinTime)];
        }
    }

    private async Task FlushLoopAsync()
    {
        var token = _stopping.Token;
        var period = _options.FlushCheckPeriod;
        var quick = TimeSpan.FromSeconds(Math.Min(1, period.TotalSeconds));
        var last = Environment.TickCount64;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(quick, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            // Flush on the period, or sooner when cut chunks pile up in memory.
            var due = Environment.TickCount64 - last >= (long)period.TotalMilliseconds;
            if (!due && UnflushedBytes() < _options.MaxUnflushedBytes)
                continue;
            last = Environment.TickCount64;
            try
            {
                await FlushAsync(force: false, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Interlocked.Increment(ref Metrics.FlushFailuresCount);
                _logger.LogError(e, "flush failed; the data stays in memory and in the WAL and the next flush retries");
            }
        }
    }

    private long UnflushedBytes()
    {
        long n = 0;
        foreach (var t in _tenants.Values)
            foreach (var s in t.Head.All)
                n += s.CutBytes;
        return n;
    }

    /// <summary>
    /// Cuts chunks that are due (all open chunks when <paramref name="force"/>), writes them into one new block per
    /// tenant, writes a WAL checkpoint of what stays in memory and deletes the WAL segments it covers. Crash-safe at
    /// every step (see docs/format/block.md, "Flush protocol"). One flush runs at a time.
    /// </summary>
    public async Task FlushAsync(bool force, CancellationToken cancellationToken = default)
    {
        await _flushMutex.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = Environment.TickCount64;
            var idle = (long)_options.ChunkIdlePeriod.TotalMilliseconds;
            var maxAge = (long)_options.MaxChunkAge.TotalMilliseconds;
            foreach (var t in _tenants.Values)
                foreach (var s in t.Head.All)
                    s.CutIfDue(now, idle, maxAge, force);
            // Under the write lock no push is between finding its stream and appending to it: idle streams whose data
            // an earlier flush wrote to disk leave the head.
            _checkpointLock.EnterWriteLock();
            try
            {
                foreach (var t in _tenants.Values)
                    Interlocked.Add(ref Metrics.StreamsEvictedCount, t.Head.RemoveIdle(now, idle));
            }
            finally
            {
                _checkpointLock.ExitWriteLock();
            }
            var anyCut = UnflushedBytes() > 0;
            if (!anyCut && WalDiskBytes() < _options.WalCheckpointSize && !force)
                return;

            var snapshot = new List<(TenantState Tenant, MemStream Stream, Chunk[] Cut, EncodedBlock[] Sealed, DecodedBlock? Raw)>();
            Task<int> rotation;
            _checkpointLock.EnterWriteLock();
            try
            {
                rotation = _wal.RotateAsync();
                foreach (var t in _tenants.Values)
                {
                    foreach (var s in t.Head.All)
                    {
                        var (cut, sealedBlocks, raw) = s.SnapshotForFlush();
                        if (cut.Length > 0 || sealedBlocks.Length > 0 || raw != null)
                            snapshot.Add((t, s, cut, sealedBlocks, raw));
                    }
                }
            }
            finally
            {
                _checkpointLock.ExitWriteLock();
            }
            try
            {
                var checkpoint = await rotation.ConfigureAwait(false);
                await Task.Run(() => WriteFlush(checkpoint, snapshot), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                foreach (var item in snapshot)
                    item.Raw?.Dispose();
            }
        }
        finally
        {
            _flushMutex.Release();
        }
    }

    private void WriteFlush(int checkpoint, List<(TenantState Tenant, MemStream Stream, Chunk[] Cut, EncodedBlock[] Sealed, DecodedBlock? Raw)> snapshot)
    {
        // 1. One block per tenant with the cut chunks, tagged with the checkpoint that will make it valid.
        var written = new List<(TenantState Tenant, string Dir)>();
        foreach (var group in snapshot.Where(s => s.Cut.Length > 0).GroupBy(s => s.Tenant))
        {
            var dir = BlockWriter.Write(Path.Combine(_blocksDir, group.Key.Name), group.Key.Name,
                group.Select(s => (s.Stream.Labels, (IEnumerable<Chunk>)s.Cut.OrderBy(c => c.MinT).ToList())), checkpoint, [], level: 1);
            if (dir == null)
                continue;
            written.Add((group.Key, dir));
            Interlocked.Increment(ref Metrics.BlocksWrittenCount);
            Interlocked.Add(ref Metrics.ChunksFlushedCount, group.Sum(s => s.Cut.Length));
        }

        // 2. The checkpoint: what stays in memory, as block records (compressed) and push records (the open block).
        var tmp = CheckpointPath(_walDir, checkpoint) + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            fs.Write(WalFormat.Magic);
            foreach (var item in snapshot)
            {
                var name = item.Tenant.Name;
                foreach (var b in item.Sealed)
                    fs.Write(WalFormat.EncodeBlock(name, item.Stream.Labels, b));
                if (item.Raw is { } raw)
                {
                    var entries = new List<PushEntry>(raw.Count);
                    for (var i = 0; i < raw.Count; i++)
                        entries.Add(new PushEntry(raw.Timestamps[i], raw.Lines.AsSpan(raw.Offsets[i], raw.Lengths[i]).ToArray(), raw.Metadata?[i]));
                    fs.Write(WalFormat.EncodePush(name, [new PushStream(item.Stream.Labels, entries)]));
                }
            }
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, CheckpointPath(_walDir, checkpoint), overwrite: true);
        Interlocked.Increment(ref Metrics.CheckpointsCount);

        // 3. Publish: the blocks become readable and their chunks leave memory in one step for readers.
        foreach (var (tenant, dir) in written)
        {
            var reader = BlockReader.Open(dir);
            var flushed = snapshot.Where(s => s.Tenant == tenant && s.Cut.Length > 0).ToList();
            lock (tenant.ViewLock)
            {
                tenant.Blocks = [.. tenant.Blocks, reader];
                foreach (var s in flushed)
                    s.Stream.RemoveFlushed(s.Cut);
            }
            if (_options.Bucket != null)
                Enqueue(tenant, reader);
        }

        // 4. The checkpoint covers every segment before it.
        foreach (var (path, index) in WalReplayer.Segments(_walDir))
            if (index < checkpoint)
                TryDelete(path, _logger);
        foreach (var path in Directory.GetFiles(_walDir, "checkpoint.*"))
            if (path != CheckpointPath(_walDir, checkpoint))
                TryDelete(path, _logger);
        UpdateDiskMetrics();
    }

    private long WalDiskBytes()
    {
        long n = 0;
        foreach (var f in new DirectoryInfo(_walDir).EnumerateFiles())
            n += f.Length;
        return n;
    }

    private void UpdateDiskMetrics()
    {
        long blocks = 0, bytes = 0, streams = 0;
        foreach (var t in _tenants.Values)
        {
            streams += t.Head.StreamCount;
            foreach (var b in t.Blocks)
            {
                blocks++;
                bytes += b.Meta.StoredBytes;
            }
        }
        Metrics.Blocks = blocks;
        Metrics.BlockBytes = bytes;
        Metrics.Streams = streams;
        Metrics.WalDiskBytes = WalDiskBytes();
    }
}
