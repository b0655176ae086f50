using Sawmill.Core;
using Sawmill.Storage.Chunks;
using Sawmill.Storage.Query;

namespace Sawmill.Storage.Head;

/// <summary>
/// The in-memory part of one stream. Entries go into an open <see cref="RawBlock"/>; when it holds
/// <see cref="HeadSettings.BlockSize"/> line bytes it is compressed into a sealed block of the open chunk; when the open
/// chunk's compressed size reaches <see cref="HeadSettings.ChunkTargetSize"/> (or the flush loop finds it idle or too
/// old) it is cut into an immutable <see cref="Chunk"/> that waits for the next flush to a block on disk.
/// Memory per stream is therefore about one raw block plus one chunk's compressed bytes plus unflushed cut chunks.
/// Guarded by its own lock: pushes to different streams never contend.
/// A full raw block is compressed off the push path: it waits in a short pending list (readable like the open block)
/// while a thread-pool work item seals it, so a push never pays for zstd and the scans for the filters. Once
/// <see cref="MaxPending"/> blocks wait, the push seals inline (memory stays bounded when the CPU cannot keep up), and a
/// cut or a flush snapshot seals whatever is pending first, so chunks always hold every entry in order.
/// </summary>
internal sealed class MemStream(Labels labels, HeadSettings settings)
{
    private readonly object _lock = new();
    private readonly List<Chunk> _cut = [];
    private readonly List<EncodedBlock> _sealed = [];
    private readonly List<int[]> _sealedTrigrams = [];
    private RawBlock _raw = new();
    // Full raw blocks waiting for the background sealer, oldest first; _sealing is true while a work item runs.
    private readonly List<RawBlock> _pending = [];
    private bool _sealing;
    private RawBlock? _spare;
    private long _openCompressed;
    private long _chunkStartedMs = Environment.TickCount64;
    private long _lastAppendMs = Environment.TickCount64;
    private long _maxTimestamp = long.MinValue;

    public Labels Labels { get; } = labels;

    /// <summary>Full blocks that may wait for the background sealer before a push seals inline.</summary>
    public const int MaxPending = 2;

    /// <summary>Newest timestamp ever appended (drives the out-of-order window).</summary>
    public long MaxTimestamp => Volatile.Read(ref _maxTimestamp);

    /// <summary>Adds an entry; false when it is an exact duplicate of an entry in the open block.</summary>
    public bool Append(long ts, ReadOnlySpan<byte> line, Label[]? metadata)
    {
        lock (_lock)
        {
            if (!_raw.TryAppend(ts, line, metadata))
                return false;
            if (ts > _maxTimestamp)
                Volatile.Write(ref _maxTimestamp, ts);
            _lastAppendMs = Environment.TickCount64;
            if (_raw.DataLength >= settings.BlockSize)
            {
                if (_pending.Count >= MaxPending)
                {
                    SealLocked();
                    if (_openCompressed >= settings.ChunkTargetSize)
                        CutLocked();
                }
                else
                {
                    _pending.Add(_raw);
                    _raw = _spare ?? new RawBlock();
                    _spare = null;
                    if (!_sealing)
                    {
                        _sealing = true;
                        ThreadPool.UnsafeQueueUserWorkItem(static s => s.SealPending(), this, preferLocal: false);
                    }
                }
            }
            return true;
        }
    }

    /// <summary>Adds a block replayed from a checkpoint to the open chunk.</summary>
    public void AppendSealed(EncodedBlock block, int[] trigrams)
    {
        lock (_lock)
        {
            _sealed.Add(block);
            _sealedTrigrams.Add(trigrams);
            _openCompressed += block.Bytes.Length;
            if (block.MaxT > _maxTimestamp)
                Volatile.Write(ref _maxTimestamp, block.MaxT);
            if (_openCompressed >= settings.ChunkTargetSize)
                CutLocked();
        }
    }

    /// <summary>
    /// The background sealer: compresses the oldest pending block outside the lock, then moves it into the open chunk
    /// unless a cut or snapshot sealed it inline meanwhile (then the result is dropped). One per stream at a time.
    /// </summary>
    private void SealPending()
    {
        while (true)
        {
            RawBlock raw;
            lock (_lock)
            {
                if (_pending.Count == 0)
                {
                    _sealing = false;
                    return;
                }
                raw = _pending[0];
            }
            // A pending block is never appended to again, so it can be read without the lock.
            var (block, trigrams) = BlockSealer.Seal(raw, settings.Codec);
            lock (_lock)
            {
                if (_pending.Count == 0 || !ReferenceEquals(_pending[0], raw))
                    continue;
                _pending.RemoveAt(0);
                AddSealedLocked(block, trigrams);
                raw.Clear();
                _spare ??= raw;
                // Cut right after the block that filled the chunk, as an inline seal does: newer pending blocks and
                // the open block start the next chunk.
                if (_openCompressed >= settings.ChunkTargetSize)
                    CutLocked(sealFirst: false);
            }
        }
    }

    /// <summary>Seals every pending block, oldest first.</summary>
    private void SealPendingLocked()
    {
        foreach (var raw in _pending)
        {
            var (block, trigrams) = BlockSealer.Seal(raw, settings.Codec);
            AddSealedLocked(block, trigrams);
        }
        _pending.Clear();
    }

    /// <summary>Seals every pending block and then the open one, in order.</summary>
    private void SealLocked()
    {
        SealPendingLocked();
        if (_raw.Count == 0)
            return;
        var (sealedBlock, sealedTrigrams) = BlockSealer.Seal(_raw, settings.Codec);
        AddSealedLocked(sealedBlock, sealedTrigrams);
        _raw.Clear();
    }

    private void AddSealedLocked(EncodedBlock block, int[] trigrams)
    {
        _sealedTrigrams.Add(trigrams);
        _sealed.Add(block);
        _openCompressed += block.Bytes.Length;
    }

    /// <summary>Cuts the open chunk; with <paramref name="sealFirst"/> it first seals every pending block and the open one.</summary>
    private void CutLocked(bool sealFirst = true)
    {
        if (sealFirst)
            SealLocked();
        if (_sealed.Count == 0)
            return;
        long stored = 0;
        foreach (var b in _sealed)
            stored += b.Bytes.Length;
        var filter = TrigramBloom.Build(TrigramSet.Union(_sealedTrigrams), stored);
        _cut.Add(new Chunk(_sealed.ToArray(), filter, settings.Codec));
        _sealed.Clear();
        _sealedTrigrams.Clear();
        _openCompressed = 0;
        _chunkStartedMs = Environment.TickCount64;
    }

    /// <summary>Cuts the open chunk when it has been idle for <paramref name="idleMs"/> or open for <paramref name="maxAgeMs"/>.</summary>
    public bool CutIfDue(long nowMs, long idleMs, long maxAgeMs, bool force)
    {
        lock (_lock)
        {
            if (_raw.Count == 0 && _sealed.Count == 0 && _pending.Count == 0)
            {
                _chunkStartedMs = nowMs;
                return false;
            }
            if (!force && nowMs - _lastAppendMs < idleMs && nowMs - _chunkStartedMs < maxAgeMs)
                return false;
            CutLocked();
            return true;
        }
    }

    /// <summary>True when everything is flushed and nothing was appended for <paramref name="idleMs"/>: the stream can leave the head.</summary>
    public bool IsEvictable(long nowMs, long idleMs)
    {
        lock (_lock)
            return _raw.Count == 0 && _pending.Count == 0 && _sealed.Count == 0 && _cut.Count == 0 && nowMs - _lastAppendMs >= idleMs;
    }

    /// <summary>True when nothing is held in memory (every chunk flushed).</summary>
    public bool IsEmpty
    {
        get
        {
            lock (_lock)
                return _raw.Count == 0 && _pending.Count == 0 && _sealed.Count == 0 && _cut.Count == 0;
        }
    }

    /// <summary>
    /// For a flush: the cut chunks (to be written to a block) and a copy of everything else (to be written to the WAL
    /// checkpoint). Called under the store's checkpoint lock so that no push is half applied.
    /// </summary>
    public (Chunk[] Cut, EncodedBlock[] Sealed, DecodedBlock? Raw) SnapshotForFlush()
    {
        lock (_lock)
        {
            // Seals what waits so the snapshot has one raw block at most (the checkpoint format's shape).
            SealPendingLocked();
            DecodedBlock? raw = null;
            if (_raw.Count > 0)
            {
                raw = new DecodedBlock();
                raw.CopyFrom(_raw, 0, _raw.Count, lines: true, metadata: true);
            }
            return (_cut.ToArray(), _sealed.ToArray(), raw);
        }
    }

    /// <summary>Drops chunks that are now readable from a persisted block.</summary>
    public void RemoveFlushed(Chunk[] flushed)
    {
        lock (_lock)
            foreach (var c in flushed)
                _cut.Remove(c);
    }

    /// <summary>Entries held and the bytes holding them: raw blocks' line bytes, compressed blocks and cut chunks.</summary>
    public (long Entries, long Bytes) MemoryFigures()
    {
        lock (_lock)
        {
            long entries = _raw.Count, bytes = _raw.DataLength;
            foreach (var p in _pending)
            {
                entries += p.Count;
                bytes += p.DataLength;
            }
            foreach (var b in _sealed)
            {
                entries += b.Entries;
                bytes += b.Bytes.Length;
            }
            foreach (var c in _cut)
            {
                entries += c.Entries;
                bytes += c.StoredBytes;
            }
            return (entries, bytes);
        }
    }

    public long CutBytes
    {
        get
        {
            lock (_lock)
            {
                long n = 0;
                foreach (var c in _cut)
                    n += c.StoredBytes;
                return n;
            }
        }
    }

    /// <summary>Adds the in-memory sources overlapping [start, end) to <paramref name="into"/>.</summary>
    public void CollectSources(long startNs, long endNs, bool lines, bool metadata, List<Source> into)
    {
        lock (_lock)
        {
            foreach (var c in _cut)
                if (c.MinT < endNs && c.MaxT >= startNs)
                    into.Add(new MemChunkSource(c));
            foreach (var b in _sealed)
                if (b.MinT < endNs && b.MaxT >= startNs)
                    into.Add(new EncodedBlockSource(b, fromHead: true));
            foreach (var p in _pending)
                CollectRaw(p, startNs, endNs, lines, metadata, into);
            CollectRaw(_raw, startNs, endNs, lines, metadata, into);
        }
    }

    private static void CollectRaw(RawBlock raw, long startNs, long endNs, bool lines, bool metadata, List<Source> into)
    {
        if (raw.Count > 0 && raw.MinT < endNs && raw.MaxT >= startNs)
        {
            var from = raw.LowerBound(startNs);
            var to = raw.LowerBound(endNs);
            if (to > from)
            {
                var copy = new DecodedBlock();
                copy.CopyFrom(raw, from, to, lines, metadata);
                into.Add(new DecodedSource(copy, raw.TimestampAt(from), raw.TimestampAt(to - 1)));
            }
        }
    }

    /// <summary>Oldest timestamp held in memory (cut chunks, sealed and open blocks); <see cref="long.MaxValue"/> when empty.</summary>
    public long MinTimestamp
    {
        get
        {
            lock (_lock)
            {
                var min = long.MaxValue;
                foreach (var c in _cut)
                    min = Math.Min(min, c.MinT);
                foreach (var b in _sealed)
                    min = Math.Min(min, b.MinT);
                foreach (var raw in _pending.Append(_raw))
                    if (raw.Count > 0)
                        min = Math.Min(min, raw.MinT);
                return min;
            }
        }
    }

    /// <summary>Entry count, line bytes, chunk count in memory overlapping the range (approximate at block granularity).</summary>
    public (long Entries, long Bytes, long Chunks, bool Any) Summarize(long startNs, long endNs)
    {
        lock (_lock)
        {
            long entries = 0, bytes = 0, chunks = 0;
            foreach (var c in _cut)
            {
                if (c.MinT < endNs && c.MaxT >= startNs)
                {
                    entries += c.Entries;
                    bytes += c.RawBytes;
                    chunks++;
                }
            }
            var open = false;
            foreach (var b in _sealed)
            {
                if (b.MinT < endNs && b.MaxT >= startNs)
                {
                    entries += b.Entries;
                    bytes += b.RawBytes;
                    open = true;
                }
            }
            foreach (var raw in _pending.Append(_raw))
            {
                if (raw.Count == 0)
                    continue;
                var from = raw.LowerBound(startNs);
                var to = raw.LowerBound(endNs);
                for (var i = from; i < to; i++)
                    bytes += raw.LengthAt(i);
                entries += Math.Max(0, to - from);
                open |= to > from;
            }
            if (open)
                chunks++;
            return (entries, bytes, chunks, entries > 0);
        }
    }
}
