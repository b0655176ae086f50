using Sawmill.Core;

namespace Sawmill.Storage.Chunks;

/// <summary>
/// The open, uncompressed block at the end of a head chunk: entries kept sorted by timestamp (stable: equal timestamps
/// stay in arrival order) with lines packed into one byte buffer. Out-of-order entries are inserted in place; an exact
/// duplicate (same timestamp and line) is refused. Not thread-safe: the owning stream's lock guards it.
/// </summary>
internal sealed class RawBlock
{
    private long[] _ts = new long[64];
    private int[] _offsets = new int[64];
    private int[] _lengths = new int[64];
    private Label[]?[]? _meta;
    private byte[] _data = new byte[4096];

    public int Count { get; private set; }

    /// <summary>Line bytes held (the block is sealed once this reaches the block size).</summary>
    public int DataLength { get; private set; }

    public long MinT => Count == 0 ? long.MaxValue : _ts[0];

    public long MaxT => Count == 0 ? long.MinValue : _ts[Count - 1];

    public bool HasMetadata => _meta != null;

    public long TimestampAt(int i) => _ts[i];

    public ReadOnlySpan<byte> LineAt(int i) => _data.AsSpan(_offsets[i], _lengths[i]);

    public int LengthAt(int i) => _lengths[i];

    public Label[]? MetadataAt(int i) => _meta?[i];

    /// <summary>Adds an entry; false when an entry with the same timestamp and line is already in this block.</summary>
    public bool TryAppend(long ts, ReadOnlySpan<byte> line, Label[]? metadata)
    {
        var at = Count;
        if (Count > 0 && ts < _ts[Count - 1])
            at = UpperBound(ts);
        for (var i = at - 1; i >= 0 && _ts[i] == ts; i--)
        {
            if (_data.AsSpan(_offsets[i], _lengths[i]).SequenceEqual(line))
                return false;
        }
        if (Count == _ts.Length)
        {
            var n = Count * 2;
            Array.Resize(ref _ts, n);
            Array.Resize(ref _offsets, n);
            Array.Resize(ref _lengths, n);
            if (_meta != null)
                Array.Resize(ref _meta, n);
        }
        if (DataLength + line.Length > _data.Length)
            Array.Resize(ref _data, Math.Max(_data.Length * 2, DataLength + line.Length));
        line.CopyTo(_data.AsSpan(DataLength));
        if (metadata is { Length: > 0 } && _meta == null)
            _meta = new Label[]?[_ts.Length];
        if (at < Count)
        {
            Array.Copy(_ts, at, _ts, at + 1, Count - at);
            Array.Copy(_offsets, at, _offsets, at + 1, Count - at);
            Array.Copy(_lengths, at, _lengths, at + 1, Count - at);
            if (_meta != null)
                Array.Copy(_meta, at, _meta, at + 1, Count - at);
        }
        _ts[at] = ts;
        _offsets[at] = DataLength;
        _lengths[at] = line.Length;
        if (_meta != null)
            _meta[at] = metadata is { Length: > 0 } ? metadata : null;
        DataLength += line.Length;
        Count++;
        return true;
    }

    public void Clear()
    {
        Count = 0;
        DataLength = 0;
        _meta = null;
        if (_data.Length > 1 << 20)
            _data = new byte[4096];
    }

    /// <summary>Index of the first entry with a timestamp &gt;= <paramref name="ts"/>.</summary>
    public int LowerBound(long ts)
    {
        int lo = 0, hi = Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_ts[mid] < ts)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }

    private int UpperBound(long ts)
    {
        int lo = 0, hi = Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_ts[mid] <= ts)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
}
