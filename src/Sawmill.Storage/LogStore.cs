using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Sawmill.Core;
using Sawmill.Storage.Blocks;
using Sawmill.Storage.Chunks;
using Sawmill.Storage.Head;
using Sawmill.Storage.Wal;

namespace Sawmill.Storage;

/// <summary>
/// The store: a write-ahead log for durability, an in-memory head per tenant, and immutable persisted blocks.
/// Pushes are applied to the head, then the accepted entries are appended to the WAL; the push completes when the
/// WAL record is durable (group commit). A background loop cuts chunks and flushes them into blocks, then writes a WAL
/// checkpoint and deletes the segments it covers (LogStore.Flush.cs). <see cref="OpenAsync"/> opens the blocks and
/// replays the newest checkpoint and the segments after it, so a restart (even after <c>kill -9</c>) restores every
/// acknowledged entry exactly once. Thread-safe.
/// </summary>
public sealed partial class LogStore : ILogWriter, ILogReader, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, TenantState> _tenants = new(StringComparer.Ordinal);
    private readonly LogStoreOptions _options;
    private readonly ILogger _logger;
    private readonly HeadSettings _settings;
    private readonly string _walDir;
    private readonly string _blocksDir;

    // Pushes hold it shared while they apply to the head and queue their WAL record; a checkpoint holds it exclusively
    // for the instant it queues the segment switch and snapshots the head, so every entry is either before the switch
    // and in the snapshot, or after it and in the new segments — never both, never neither.
    private readonly ReaderWriterLockSlim _checkpointLock = new(LockRecursionPolicy.NoRecursion);
    private WalWriter _wal = null!;
    private int _disposed;

    private LogStore(LogStoreOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _settings = new HeadSettings(options.Codec, options.BlockSize, options.ChunkTargetSize);
        _walDir = Path.Combine(options.Directory, "wal");
        _blocksDir = Path.Combine(options.Directory, "blocks");
        _damaged = new Query.DamagedChunks(Metrics, logger);
    }

    public StorageMetrics Metrics { get; } = new();

    /// <summary>Chunks found damaged while reading: skipped by queries, moved aside by the next compaction.</summary>
    private readonly Query.DamagedChunks _damaged;

    public static Task<LogStore> OpenAsync(LogStoreOptions options, ILogger logger)
    {
        var store = new LogStore(options, logger);
        Directory.CreateDirectory(store._walDir);
        Directory.CreateDirectory(store._blocksDir);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var checkpoint = store.FindCheckpoint();
        store.OpenBlocks(checkpoint);
        long records = 0;
        if (checkpoint > 0)
            records += WalReplayer.ReplayFile(CheckpointPath(store._walDir, checkpoint), false, store.ApplyReplayed, store.ApplyReplayedBlock, logger);
        foreach (var (path, index) in WalReplayer.Segments(store._walDir))
            if (index < checkpoint)
                TryDelete(path, logger);
        var next = WalReplayer.Replay(store._walDir, checkpoint, store.ApplyReplayed, store.ApplyReplayedBlock, logger, out var segmentRecords);
        records += segmentRecords;
        store.Metrics.WalRecordsReplayed = records;
        if (records > 0)
            logger.LogInformation("WAL replayed: {Records} records, {Entries} entries in {Elapsed} ms", records, store.Metrics.Entries, started.ElapsedMilliseconds);
        store._wal = new WalWriter(store._walDir, Math.Max(next, checkpoint), options.SyncMode, options.WalSegmentSize, logger);
        store.UpdateDiskMetrics();
        if (options.BackgroundFlush)
            store._flushLoop = Task.Run(store.FlushLoopAsync);
        store.StartShipping();
        return Task.FromResult(store);
    }

    private TenantState GetTenant(string tenant)
    {
        if (_tenants.TryGetValue(tenant, out var state))
            return state;
        if (Tenant.Validate(tenant) is { } error)
            throw new ArgumentException(error, nameof(tenant));
        return _tenants.GetOrAdd(tenant, t => new TenantState(t, _settings));
    }

    private void ApplyReplayed(string tenant, List<PushStream> streams)
    {
        var head = GetTenant(tenant).Head;
        foreach (var s in streams)
        {
            var stream = head.GetOrCreate(s.Labels);
            foreach (var e in s.Entries)
            {
                if (stream.Append(e.TimestampNs, e.Line.Span, e.Metadata))
                {
                    Interlocked.Increment(ref Metrics.EntriesAppended);
                    Interlocked.Add(ref Metrics.BytesAppended, e.Line.Length);
                }
            }
        }
    }

    private void ApplyReplayedBlock(string tenant, Labels labels, EncodedBlock block)
    {
        // The trigram filter of the chunk the block will join needs the block's trigrams, and the block a token filter.
        using var decoded = new DecodedBlock();
        BlockFormat.Decode(block, lines: true, metadata: true, decoded);
        var (indexed, trigrams) = BlockSealer.Index(block, decoded);
        GetTenant(tenant).Head.GetOrCreate(labels).AppendSealed(indexed, trigrams);
        Interlocked.Add(ref Metrics.EntriesAppended, block.Entries);
        Interlocked.Add(ref Metrics.BytesAppended, block.RawBytes);
    }

    public async ValueTask<PushResult> PushAsync(string tenant, IReadOnlyList<PushStream> streams, CancellationToken cancellationToken)
    {
        var head = GetTenant(tenant).Head;
        var accepted = new List<PushStream>(streams.Count);
        List<RejectedEntry>? rejected = null;
        long appended = 0, bytes = 0, duplicates = 0;
        var window = _options.OutOfOrderWindow.Ticks * 100;
        Task walWrite = Task.CompletedTask;
        _checkpointLock.EnterReadLock();
        try
        {
            foreach (var s in streams)
            {
                var stream = head.GetOrCreate(s.Labels);
                var kept = new List<PushEntry>(s.Entries.Count);
                foreach (var e in s.Entries)
                {
                    var newest = stream.MaxTimestamp;
                    if (newest != long.MinValue && e.TimestampNs < newest - window)
                    {
                        rejected ??= [];
                        rejected.Add(new RejectedEntry(s.Labels, e.TimestampNs, e.Line.Length,
                            $"entry too far behind, entry timestamp is: {Rfc3339(e.TimestampNs)}, oldest acceptable timestamp is: {Rfc3339(newest - window)}"));
                        continue;
                    }
                    if (!stream.Append(e.TimestampNs, e.Line.Span, e.Metadata))
                    {
                        duplicates++;
                        continue;
                    }
                    kept.Add(e);
                    appended++;
                    bytes += e.Line.Length;
                }
                if (kept.Count > 0)
                    accepted.Add(new PushStream(s.Labels, kept));
            }
            if (accepted.Count > 0)
            {
                var (record, length) = WalFormat.EncodePushPooled(tenant, accepted);
                walWrite = _wal.AppendPooledAsync(record, length);
            }
        }
        finally
        {
            _checkpointLock.ExitReadLock();
        }
        await walWrite.WaitAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref Metrics.EntriesAppended, appended);
        Interlocked.Add(ref Metrics.BytesAppended, bytes);
        Interlocked.Add(ref Metrics.DuplicatesDropped, duplicates);
        if (rejected != null)
            Interlocked.Add(ref Metrics.OutOfOrderRejected, rejected.Count);
        Metrics.WalBytes = Interlocked.Read(ref _wal.BytesWritten);
        Metrics.WalSyncs = Interlocked.Read(ref _wal.Syncs);
        return new PushResult(appended, bytes, duplicates, rejected);
    }

    /// <summary>
    /// Recomputes <see cref="StorageMetrics.HeadEntries"/>, <see cref="StorageMetrics.HeadBytes"/> and
    /// <see cref="StorageMetrics.Streams"/> from the head (one short lock per stream; for <c>/metrics</c>).
    /// </summary>
    public void UpdateHeadMetrics()
    {
        long entries = 0, bytes = 0, streams = 0;
        foreach (var t in _tenants.Values)
        {
            foreach (var s in t.Head.All)
            {
                var (e, b) = s.MemoryFigures();
                entries += e;
                bytes += b;
                streams++;
            }
        }
        Metrics.HeadEntries = entries;
        Metrics.HeadBytes = bytes;
        Metrics.Streams = streams;
    }

    private static string Rfc3339(long ns) => TimeNs.ToRfc3339Nano(ns);

    public IReadOnlyList<string> Tenants() => _tenants.Keys.OrderBy(t => t, StringComparer.Ordinal).ToList();

    /// <summary>Number of head streams of a tenant (for limits such as <c>max_global_streams_per_user</c>).</summary>
    public int StreamCount(string tenant) => _tenants.TryGetValue(tenant, out var state) ? state.Head.StreamCount : 0;

    /// <summary>True when the tenant already has this stream in the head (limits apply only to new streams).</summary>
    public bool HasStream(string tenant, Labels labels) => _tenants.TryGetValue(tenant, out var state) && state.Head.Find(labels) != null;

    /// <summary>
    /// Closes the store: stops the flush loop and closes the WAL. Head data is not flushed (it is in the WAL and is
    /// replayed on the next open), so closing is fast and equivalent to a crash for recovery purposes.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _stopping.Cancel();
        if (_flushLoop != null)
            await _flushLoop.ConfigureAwait(false);
        if (_shipLoop != null)
            await _shipLoop.ConfigureAwait(false);
        await _wal.DisposeAsync().ConfigureAwait(false);
        foreach (var t in _tenants.Values)
            foreach (var b in t.Blocks)
                b.Dispose();
        _checkpointLock.Dispose();
    }

    internal static void TryDelete(string path, ILogger logger)
    {
        try
        {
            if (Directory.Exists(path))
                Directory.Delete(path, recursive: true);
            else
                File.Delete(path);
        }
        catch (IOException e)
        {
            logger.LogWarning("could not delete {Path}: {Message}", path, e.Message);
        }
    }
}
