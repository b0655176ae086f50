using Sawmill.Core;

namespace Sawmill.Storage.Head;

/// <summary>
/// The in-memory entries of one stream, kept sorted by timestamp (stable for equal timestamps, in arrival order).
/// Out-of-order entries are inserted in place within the window; exact duplicates are dropped. Guarded by its own lock.
/// </summary>
internal sealed class MemStream(Labels labels)
{
    private readonly object _lock = new();
    private HeadEntry[] _entries = new HeadEntry[16];
    private int _count;
    private long _bytes;

    public Labels Labels { get; } = labels;

    public long MaxTimestamp { get; private set; } = long.MinValue;

    public long MinTimestamp
    {
        get
        {
            lock (_lock)
                return _count == 0 ? long.MaxValue : _entries[0].TimestampNs;
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
                return _count;
        }
    }

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Appends an entry; returns false when it is an exact duplicate of one already held.</summary>
    public bool Append(long ts, byte[] line, Label[]? metadata)
    {
        lock (_lock)
        {
            var at = _count;
            if (_count > 0 && ts < _entries[_count - 1].TimestampNs)
                at = UpperBound(ts);
            // Duplicates share the timestamp: look back over the entries with the same timestamp.
            for (var i = at - 1; i >= 0 && _entries[i].TimestampNs == ts; i--)
            {
                if (_entries[i].Line.AsSpan().SequenceEqual(line))
                    return false;
            }
            if (_count == _entries.Length)
                Array.Resize(ref _entries, _entries.Length * 2);
            if (at < _count)
                Array.Copy(_entries, at, _entries, at + 1, _count - at);
            _entries[at] = new HeadEntry(ts, line, metadata);
            _count++;
            if (ts > MaxTimestamp)
                MaxTimestamp = ts;
            Interlocked.Add(ref _bytes, line.Length);
            return true;
        }
    }

    /// <summary>Copies the entries with timestamps in [start, end) into a new array, in ascending order.</summary>
    public HeadEntry[] Snapshot(long startNs, long endNs)
    {
        lock (_lock)
        {
            var from = LowerBound(startNs);
            var to = LowerBound(endNs);
            if (to <= from)
                return [];
            var result = new HeadEntry[to - from];
            Array.Copy(_entries, from, result, 0, result.Length);
            return result;
        }
    }

    public (long Entries, long Bytes) CountRange(long startNs, long endNs)
    {
        lock (_lock)
        {
            var from = LowerBound(startNs);
            var to = LowerBound(endNs);
            long bytes = 0;
            for (var i = from; i < to; i++)
                bytes += _entries[i].Line.Length;
            return (Math.Max(0, to - from), bytes);
        }
    }

    public bool Overlaps(long startNs, long endNs)
    {
        lock (_lock)
            return _count > 0 && _entries[0].TimestampNs < endNs && _entries[_count - 1].TimestampNs >= startNs;
    }

    private int LowerBound(long ts)
    {
        int lo = 0, hi = _count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_entries[mid].TimestampNs < ts)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }

    private int UpperBound(long ts)
    {
        int lo = 0, hi = _count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_entries[mid].TimestampNs <= ts)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
}
