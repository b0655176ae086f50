using System.Buffers;

namespace Sawmill.LogQL.Engine;

/// <summary>
/// The (timestamp, value) samples one series collects from its streams, appended in stream order and sorted once
/// before windowing. The arrays are rented from <see cref="ArrayPool{T}.Shared"/> (growth doubles) and go back in
/// <see cref="Dispose"/>, so a query that collects millions of samples allocates nothing per sample once the pool is
/// warm. Not thread-safe; the owner disposes it exactly once, after the last read of its spans.
/// </summary>
internal sealed class SampleBuffer : IDisposable
{
    private long[] _ts = [];
    private double[] _values = [];
    private bool _sorted = true;

    public int Count { get; private set; }

    public ReadOnlySpan<long> Timestamps => _ts.AsSpan(0, Count);

    public ReadOnlySpan<double> Values => _values.AsSpan(0, Count);

    public void Add(long ts, double value)
    {
        if (Count == _ts.Length)
            Grow(Count + 1);
        if (Count > 0 && ts < _ts[Count - 1])
            _sorted = false;
        _ts[Count] = ts;
        _values[Count] = value;
        Count++;
    }

    /// <summary>
    /// Appends <paramref name="other"/>'s samples after this buffer's and empties <paramref name="other"/>. When this
    /// buffer is empty it takes over <paramref name="other"/>'s arrays instead of copying them.
    /// </summary>
    public void Take(SampleBuffer other)
    {
        if (other.Count == 0)
            return;
        if (Count == 0)
        {
            (_ts, other._ts) = (other._ts, _ts);
            (_values, other._values) = (other._values, _values);
            Count = other.Count;
            _sorted = other._sorted;
            other.Count = 0;
            other._sorted = true;
            return;
        }
        if (Count + other.Count > _ts.Length)
            Grow(Count + other.Count);
        if (!other._sorted || other._ts[0] < _ts[Count - 1])
            _sorted = false;
        other.Timestamps.CopyTo(_ts.AsSpan(Count));
        other.Values.CopyTo(_values.AsSpan(Count));
        Count += other.Count;
        other.Count = 0;
        other._sorted = true;
    }

    /// <summary>
    /// Sorts by timestamp, stably (equal timestamps keep their order of appending). The samples are ascending runs
    /// (one per stream, as each stream's entries come in time order), so this is a natural merge sort: find the runs,
    /// merge neighbours pairwise until one is left — O(n log runs), in pooled scratch arrays.
    /// </summary>
    public void Sort()
    {
        if (_sorted)
            return;
        var n = Count;
        var bounds = new List<int> { 0 };
        for (var i = 1; i < n; i++)
            if (_ts[i] < _ts[i - 1])
                bounds.Add(i);
        bounds.Add(n);
        var srcTs = _ts;
        var srcValues = _values;
        var dstTs = ArrayPool<long>.Shared.Rent(_ts.Length);
        var dstValues = ArrayPool<double>.Shared.Rent(_values.Length);
        while (bounds.Count > 2)
        {
            var next = new List<int>(bounds.Count / 2 + 2) { 0 };
            for (var r = 0; r + 1 < bounds.Count; r += 2)
            {
                var start = bounds[r];
                var mid = bounds[r + 1];
                var end = r + 2 < bounds.Count ? bounds[r + 2] : mid;
                Merge(srcTs, srcValues, start, mid, end, dstTs, dstValues);
                next.Add(end);
            }
            bounds = next;
            (srcTs, dstTs) = (dstTs, srcTs);
            (srcValues, dstValues) = (dstValues, srcValues);
        }
        // srcTs/srcValues hold the result; the other pair goes back to the pool.
        ArrayPool<long>.Shared.Return(dstTs);
        ArrayPool<double>.Shared.Return(dstValues);
        _ts = srcTs;
        _values = srcValues;
        _sorted = true;
    }

    /// <summary>Merges the ascending runs [start, mid) and [mid, end) of the source into the same range of the target; ties take the left run first (stable).</summary>
    private static void Merge(long[] ts, double[] values, int start, int mid, int end, long[] outTs, double[] outValues)
    {
        int i = start, j = mid, o = start;
        while (i < mid && j < end)
        {
            if (ts[j] < ts[i])
            {
                outTs[o] = ts[j];
                outValues[o++] = values[j++];
            }
            else
            {
                outTs[o] = ts[i];
                outValues[o++] = values[i++];
            }
        }
        Array.Copy(ts, i, outTs, o, mid - i);
        Array.Copy(values, i, outValues, o, mid - i);
        o += mid - i;
        Array.Copy(ts, j, outTs, o, end - j);
        Array.Copy(values, j, outValues, o, end - j);
    }

    private void Grow(int minimum)
    {
        var size = Math.Max(Math.Max(minimum, 256), _ts.Length * 2);
        var ts = ArrayPool<long>.Shared.Rent(size);
        var values = ArrayPool<double>.Shared.Rent(size);
        Timestamps.CopyTo(ts);
        Values.CopyTo(values);
        Release();
        _ts = ts;
        _values = values;
    }

    private void Release()
    {
        if (_ts.Length > 0)
            ArrayPool<long>.Shared.Return(_ts);
        if (_values.Length > 0)
            ArrayPool<double>.Shared.Return(_values);
        _ts = [];
        _values = [];
    }

    public void Dispose()
    {
        Release();
        Count = 0;
        _sorted = true;
    }
}
