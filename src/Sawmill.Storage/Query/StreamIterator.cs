using System.Buffers;
using Sawmill.Core;
using Sawmill.Storage.Chunks;

namespace Sawmill.Storage.Query;

/// <summary>
/// Reads one stream from all its sources (head and persisted blocks) as a single time-ordered sequence in the
/// requested direction, within [start, end), applying the pushed-down line filter while decoding.
/// <para>
/// Sources are opened lazily in time order: a pending queue holds unopened sources keyed by the bound nearest to the
/// reading direction, an active queue holds decoded blocks keyed by their next entry. The common case (blocks that do
/// not overlap) takes a fast path: the current block is drained without queue operations while its next entry is not
/// past the nearest other source. A disk chunk's header is read first: the chunk is skipped when its trigram filter
/// rules out what the request's <see cref="BlockSearch"/> needs, and of a version-3 chunk only the blocks whose token
/// filters do not rule it out are read, each with one positioned read — or only its prefix (header and columns) when
/// the request needs no lines. Lines that cannot satisfy the request's implied conditions are dropped while decoding.
/// Exact duplicates (same timestamp and line) are dropped when lines are decoded.
/// </para>
/// Not thread-safe (one consumer); spans returned stay valid until the next <see cref="Next"/>.
/// </summary>
internal sealed class StreamIterator : IEntryIterator
{
    private readonly PriorityQueue<Source, long> _pending = new();
    private readonly PriorityQueue<Cursor, (long Key, long Seq)> _active = new();
    private readonly long _start;
    private readonly long _end;
    private readonly bool _forward;
    private readonly bool _decodeLines;
    private readonly bool _returnLines;
    private readonly bool _metadata;
    private readonly bool _lengths;
    private readonly ILineFilter? _filter;
    private readonly BlockSearch? _search;
    private readonly bool _checkLines;
    private readonly QueryStatistics _stats;
    private readonly Func<DiskChunkSource, StorageCorruptionException, string>? _damaged;
    private Cursor? _current;
    private long _limit;
    private long _seq;
    private DecodedBlock? _entryBlock;
    private int _entryIndex;
    // The lines already emitted at the current timestamp (exact duplicates are dropped wherever they come from).
    private long _runTs = long.MinValue;
    private byte[] _runBytes = new byte[256];
    private int _runLength;
    private readonly List<(ulong Hash, int Offset, int Length)> _run = [];
    private readonly HashSet<ulong> _runHashes = [];

    /// <param name="damaged">
    /// Called when a chunk read from disk fails its checks; returns the warning to report. The chunk is then skipped
    /// and the query goes on. Without it the error propagates.
    /// </param>
    /// <param name="dedupeLines">
    /// Decode lines even when the request does not return them, so that exact duplicates are dropped: a stream whose
    /// sources come from several replicas holds most entries more than once.
    /// </param>
    /// <param name="search">What the request lets this stream's reads check before decoding (<see cref="SearchPlan.ForStream"/>).</param>
    public StreamIterator(Labels labels, List<Source> sources, SelectRequest request, BlockSearch? search,
        Func<DiskChunkSource, StorageCorruptionException, string>? damaged = null, bool dedupeLines = false)
    {
        _damaged = damaged;
        Labels = labels;
        _start = request.StartNs;
        _end = request.EndNs;
        _forward = request.Direction == Direction.Forward;
        _filter = request.LineFilter;
        _search = search;
        _checkLines = search is { ChecksLines: true };
        _returnLines = (request.Fields & EntryFields.Lines) == EntryFields.Lines;
        _decodeLines = _returnLines || _filter != null || dedupeLines || _checkLines;
        _metadata = (request.Fields & EntryFields.Metadata) != 0;
        _lengths = (request.Fields & EntryFields.LineLengths) != 0;
        _stats = request.Statistics;
        foreach (var s in sources)
            _pending.Enqueue(s, KeyOf(s));
    }

    public Labels Labels { get; }

    public long TimestampNs => _entryBlock!.Timestamps[_entryIndex];

    public ReadOnlySpan<byte> Line => _returnLines ? _entryBlock!.Lines.AsSpan(_entryBlock.Offsets[_entryIndex], _entryBlock.Lengths[_entryIndex]) : default;

    public int LineLength => _entryBlock!.Lengths[_entryIndex];

    public ReadOnlySpan<Label> Metadata => _metadata && _entryBlock!.Metadata?[_entryIndex] is { } m ? m : default;

    private long KeyOf(Source s) => _forward ? s.MinT : -s.MaxT;

    public bool Next()
    {
        while (true)
        {
            var cur = _current;
            if (cur != null)
            {
                if (cur.Remaining > 0)
                {
                    var ts = cur.Block.Timestamps[cur.Position];
                    var key = _forward ? ts : -ts;
                    if (key <= _limit)
                    {
                        var i = cur.Position;
                        cur.Position += _forward ? 1 : -1;
                        cur.Remaining--;
                        if (Accept(cur, i, ts))
                            return true;
                        continue;
                    }
                    _active.Enqueue(cur, (key, _seq++));
                }
                else
                {
                    Release(cur);
                }
                _current = null;
            }
            if (!SelectNext())
                return false;
        }
    }

    private bool Accept(Cursor cur, int i, long ts)
    {
        var block = cur.Block;
        if (_decodeLines)
        {
            var line = block.Lines.AsSpan(block.Offsets[i], block.Lengths[i]);
            if (_filter != null && !_filter.Matches(line))
                return false;
            // Metadata not decoded: the entry may have any when its block has some.
            if (_checkLines && !_search!.LineMayMatch(line, block.Metadata?[i], block.Metadata == null && block.HasMetadata))
                return false;
            if (IsDuplicate(ts, line))
                return false;
        }
        _entryBlock = block;
        _entryIndex = i;
        return true;
    }

    /// <summary>
    /// True when the same line was already emitted at this timestamp (from any source: a retried push, a block and a
    /// checkpoint copy of it…); otherwise remembers the line. Entries arrive grouped by timestamp, so only the current
    /// timestamp's lines are kept — usually one.
    /// </summary>
    private bool IsDuplicate(long ts, ReadOnlySpan<byte> line)
    {
        if (ts != _runTs)
        {
            _runTs = ts;
            _run.Clear();
            _runHashes.Clear();
            _runLength = 0;
        }
        var hash = System.IO.Hashing.XxHash3.HashToUInt64(line);
        if (_run.Count < 16 || _runHashes.Contains(hash))
        {
            foreach (var (h, off, len) in _run)
                if (h == hash && len == line.Length && line.SequenceEqual(_runBytes.AsSpan(off, len)))
                    return true;
        }
        if (_runLength + line.Length > _runBytes.Length)
            Array.Resize(ref _runBytes, Math.Max(_runLength + line.Length, _runBytes.Length * 2));
        line.CopyTo(_runBytes.AsSpan(_runLength));
        _run.Add((hash, _runLength, line.Length));
        _runHashes.Add(hash);
        _runLength += line.Length;
        return false;
    }

    /// <summary>Opens pending sources as far as needed and makes the block with the nearest entry current.</summary>
    private bool SelectNext()
    {
        {
            // Every pending source that could hold an entry at or before the best active one is opened first.
            while (_pending.TryPeek(out _, out var pk) && (!_active.TryPeek(out _, out var ak) || pk <= ak.Key))
                Open(_pending.Dequeue());
            if (!_active.TryDequeue(out var next, out _))
                return false;
            _current = next;
            _limit = long.MaxValue;
            if (_active.TryPeek(out _, out var other))
                _limit = other.Key;
            if (_pending.TryPeek(out _, out var p) && p < _limit)
                _limit = p - 1;
            return true;
        }
    }

    private void Open(Source source)
    {
        switch (source)
        {
            case DecodedSource d:
                _stats.AddHead(SumLengths(d.Block), d.Block.Count);
                AddCursor(d.Block);
                break;
            case EncodedBlockSource e:
                if (_search != null && !_search.BlockMayMatch(e.Block.TokenFilter, BlockFormat.HasMetadata(e.Block.Bytes.Span)))
                    break;
                try
                {
                    OpenBlock(e.Block, e.FromHead);
                }
                catch (StorageCorruptionException error) when (_damaged != null && e.Origin != null)
                {
                    _stats.AddWarning(_damaged(e.Origin, error));
                }
                break;
            case MemChunkSource m:
                OpenChunk(m.Chunk, null);
                break;
            case DiskChunkSource d:
                try
                {
                    OpenDiskChunk(d);
                }
                catch (StorageCorruptionException error) when (_damaged != null)
                {
                    _stats.AddWarning(_damaged(d, error));
                }
                break;
            case DiskBlockSource b:
                try
                {
                    OpenDiskBlock(b);
                }
                catch (StorageCorruptionException error) when (_damaged != null)
                {
                    _stats.AddWarning(_damaged(b.Chunk, error));
                }
                break;
        }
    }

    private void OpenChunk(Chunk chunk, DiskChunkSource? origin)
    {
        if (_search != null && !_search.ChunkMayMatch(chunk))
        {
            _stats.AddChunksSkipped(1);
            return;
        }
        _stats.AddChunksTouched(1);
        foreach (var b in chunk.Blocks)
            if (b.MinT < _end && b.MaxT >= _start)
                _pending.Enqueue(new EncodedBlockSource(b, fromHead: false, origin), _forward ? b.MinT : -b.MaxT);
    }

    /// <summary>
    /// Reads a disk chunk's header and queues the blocks that may hold what the request needs. Chunks written before
    /// version 3 (no block table of their own) are read whole, as they always were.
    /// </summary>
    private void OpenDiskChunk(DiskChunkSource d)
    {
        if (d.Meta.HeaderLength <= 0)
        {
            OpenChunk(d.Block.ReadChunk(d.Meta), d);
            return;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(d.Meta.HeaderLength);
        try
        {
            var header = d.Block.ReadHeader(d.Meta, buffer);
            var bytes = buffer.AsSpan(0, d.Meta.HeaderLength);
            if (_search != null && !_search.ChunkMayMatch(header, bytes))
            {
                _stats.AddChunksSkipped(1);
                return;
            }
            if (header.Version != ChunkFormat.Version)
            {
                OpenChunk(d.Block.ReadChunk(d.Meta), d);
                return;
            }
            var queued = 0;
            foreach (var b in header.Blocks)
            {
                if (b.MinT >= _end || b.MaxT < _start)
                    continue;
                if (_search != null && !_search.BlockMayMatch(bytes.Slice(b.FilterOffset, b.FilterLength), b.HasMetadata))
                    continue;
                _pending.Enqueue(new DiskBlockSource(d, b), _forward ? b.MinT : -b.MaxT);
                queued++;
            }
            if (queued == 0)
                _stats.AddChunksSkipped(1);
            else
                _stats.AddChunksTouched(1);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads one block of a version-3 chunk — only its prefix when the request needs neither lines nor metadata.</summary>
    private void OpenDiskBlock(DiskBlockSource s)
    {
        var b = s.Block;
        var path = s.Chunk.Block.ChunksPath;
        var decoded = new DecodedBlock();
        var buffer = ArrayPool<byte>.Shared.Rent(b.Length);
        try
        {
            var prefixOnly = !_decodeLines && !_metadata && b.PrefixLength > 0;
            if (prefixOnly)
            {
                var prefix = buffer.AsSpan(0, b.PrefixLength);
                s.Chunk.Block.ReadBlock(s.Chunk.Meta, b, prefix);
                if (System.IO.Hashing.Crc32.HashToUInt32(prefix) != b.PrefixCrc)
                    throw new StorageCorruptionException(path, $"block prefix checksum mismatch (chunk at offset {s.Chunk.Meta.Offset})");
                // Lengths of a block without a length column are in its lines: that needs the whole block.
                prefixOnly = !_lengths || !BlockFormat.HasImplicitLengths(prefix);
                if (prefixOnly)
                {
                    BlockFormat.DecodePrefix(prefix, path, decoded, _lengths);
                    _stats.AddCompressed(b.PrefixLength);
                }
            }
            if (!prefixOnly)
            {
                s.Chunk.Block.ReadBlock(s.Chunk.Meta, b, buffer.AsSpan(0, b.Length));
                BlockFormat.Decode(new EncodedBlock(buffer.AsMemory(0, b.Length), b.MinT, b.MaxT, b.Entries, b.RawBytes, path), _decodeLines, _metadata, decoded, _lengths);
                _stats.AddCompressed(b.Length);
            }
        }
        catch
        {
            decoded.Dispose();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        _stats.AddDecompressed(_decodeLines ? b.RawBytes : 0, b.Entries);
        AddCursor(decoded);
    }

    private void OpenBlock(EncodedBlock block, bool fromHead)
    {
        var decoded = new DecodedBlock();
        try
        {
            BlockFormat.Decode(block, _decodeLines, _metadata, decoded, _lengths);
        }
        catch
        {
            decoded.Dispose();
            throw;
        }
        if (fromHead)
            _stats.AddHead(_decodeLines ? block.RawBytes : 0, block.Entries);
        else
        {
            _stats.AddCompressed(block.Bytes.Length);
            _stats.AddDecompressed(_decodeLines ? block.RawBytes : 0, block.Entries);
        }
        AddCursor(decoded);
    }

    private static long SumLengths(DecodedBlock b)
    {
        long n = 0;
        for (var i = 0; i < b.Count; i++)
            n += b.Lengths[i];
        return n;
    }

    private void AddCursor(DecodedBlock block)
    {
        var ts = block.Timestamps;
        var lo = LowerBound(ts, block.Count, _start);
        var hi = LowerBound(ts, block.Count, _end);
        if (hi <= lo)
        {
            block.Dispose();
            return;
        }
        var cursor = new Cursor(block, _forward ? lo : hi - 1, hi - lo);
        var first = ts[cursor.Position];
        _active.Enqueue(cursor, (_forward ? first : -first, _seq++));
    }

    private static int LowerBound(long[] ts, int count, long value)
    {
        int lo = 0, hi = count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (ts[mid] < value)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }

    /// <summary>Called from <see cref="Next"/> only, so the caller is done with the previous entry's spans.</summary>
    private static void Release(Cursor cursor) => cursor.Block.Dispose();

    public void Dispose()
    {
        _current?.Block.Dispose();
        _current = null;
        while (_active.TryDequeue(out var c, out _))
            c.Block.Dispose();
        while (_pending.TryDequeue(out var s, out _))
            if (s is DecodedSource d)
                d.Block.Dispose();
        _entryBlock = null;
    }

    private sealed class Cursor(DecodedBlock block, int position, int remaining)
    {
        public DecodedBlock Block { get; } = block;
        public int Position { get; set; } = position;
        public int Remaining { get; set; } = remaining;
    }
}
