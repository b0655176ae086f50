namespace Sawmill.LogQL.Engine;

/// <summary>
/// The (timestamp, value) samples one series collects from its streams, appended in stream order and sorted once
/// before windowing. Growth is amortised (arrays double), so collection allocates O(log n) times per series.
/// </summary>
internal sealed class SampleBuffer
{
    private long[] _ts = new long[16];
    private double[] _values = new double[16];
    private bool _sorted = true;

    public int Count { get; private set; }

    public ReadOnlySpan<long> Timestamps => _ts.AsSpan(0, Count);

    public ReadOnlySpan<double> Values => _values.AsSpan(0, Count);

    public void Add(long ts, double value)
    {
        if (Count == _ts.Length)
        {
            Array.Resize(ref _ts, Count * 2);
            Array.Resize(ref _values, Count * 2);
        }
        if (Count > 0 && ts < _ts[Count - 1])
            _sorted = false;
        _ts[Count] = ts;
        _values[Count] = value;
        Count++;
    }

    public void AddAll(SampleBuffer other)
    {
        for (var i = 0; i < other.Count; i++)
            Add(other._ts[i], other._values[i]);
    }

    /// <summary>Sorts by timestamp (stable for equal timestamps: entries keep their stream order).</summary>
    public void Sort()
    {
        if (_sorted)
            return;
        var idx = new int[Count];
        for (var i = 0; i < Count; i++)
            idx[i] = i;
        var ts = _ts;
        Array.Sort(idx, (a, b) => ts[a] != ts[b] ? ts[a].CompareTo(ts[b]) : a.CompareTo(b));
        var nt = new long[_ts.Length];
        var nv = new double[_values.Length];
        for (var i = 0; i < Count; i++)
        {
            nt[i] = _ts[idx[i]];
            nv[i] = _values[idx[i]];
        }
        _ts = nt;
        _values = nv;
        _sorted = true;
    }
}
