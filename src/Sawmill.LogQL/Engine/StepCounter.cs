using Sawmill.LogQL.Syntax;

namespace Sawmill.LogQL.Engine;

/// <summary>
/// The fast path of <c>count_over_time</c>, <c>rate</c>, <c>bytes_over_time</c> and <c>bytes_rate</c> over a selector
/// without a pipeline: instead of collecting every (timestamp, value) sample and sliding a window over the sorted
/// samples, each entry adds itself to the contiguous run of steps whose window (t - offset - range, t - offset] holds
/// it, through a difference array, so memory is O(steps) per series, no sample is stored and nothing is sorted.
/// <para>
/// Entries of one stream arrive in ascending time, so consecutive entries usually fall in the same run of steps; they
/// are counted together and the run is written once (<see cref="Add"/> is a compare and an add in the common case).
/// Counts and byte sums are integers, so results are exact whatever the order in which streams are added or merged.
/// </para>
/// Not thread-safe: one per worker and series, merged with <see cref="Merge"/>.
/// </summary>
internal sealed class StepCounter
{
    private readonly long _origin;
    private readonly long _step;
    private readonly long _range;
    private readonly int _steps;
    private readonly long[] _counts;
    private readonly long[]? _bytes;

    // The run being accumulated: entries whose offset d = ts + offset - start lies in (_lo, _hi] hit steps [_first, _last].
    private long _lo = long.MaxValue;
    private long _hi = long.MinValue;
    private int _first;
    private int _last;
    private long _runCount;
    private long _runBytes;

    public StepCounter(StepGrid grid, long rangeNs, long offsetNs, bool bytes)
    {
        _origin = grid.StartNs - offsetNs;
        _step = grid.StepNs;
        _range = rangeNs;
        _steps = grid.Count;
        _counts = new long[grid.Count + 1];
        _bytes = bytes ? new long[grid.Count + 1] : null;
    }

    /// <summary>Bytes of memory one counter takes for a grid (to decide whether the fast path fits the budget).</summary>
    public static long Footprint(StepGrid grid, bool bytes) => (grid.Count + 1L) * 8 * (bytes ? 2 : 1);

    public void Add(long timestampNs, int lineLength)
    {
        var d = timestampNs - _origin;
        if (d <= _lo || d > _hi)
        {
            Flush();
            Locate(d);
        }
        _runCount++;
        _runBytes += lineLength;
    }

    /// <summary>Finds the steps [first, last] whose window holds offset <paramref name="d"/> and the interval of offsets sharing them.</summary>
    private void Locate(long d)
    {
        // Step i holds d when i*step >= d and i*step < d + range: i in [ceil(d/step), ceil((d+range)/step) - 1].
        var first = CeilDiv(d, _step);
        var next = CeilDiv(d + _range, _step);
        // Offsets with the same first step lie in ((first-1)*step, first*step]; with the same next step in
        // ((next-1)*step - range, next*step - range].
        _lo = Math.Max((first - 1) * _step, (next - 1) * _step - _range);
        _hi = Math.Min(first * _step, next * _step - _range);
        _first = (int)Math.Clamp(first, 0, _steps);
        _last = (int)Math.Clamp(next - 1, -1, _steps - 1);
    }

    private void Flush()
    {
        if (_runCount == 0)
            return;
        if (_first <= _last)
        {
            _counts[_first] += _runCount;
            _counts[_last + 1] -= _runCount;
            if (_bytes != null)
            {
                _bytes[_first] += _runBytes;
                _bytes[_last + 1] -= _runBytes;
            }
        }
        _runCount = 0;
        _runBytes = 0;
    }

    /// <summary>Adds another counter's entries (same grid) into this one.</summary>
    public void Merge(StepCounter other)
    {
        Flush();
        other.Flush();
        for (var i = 0; i < _counts.Length; i++)
            _counts[i] += other._counts[i];
        if (_bytes != null && other._bytes != null)
            for (var i = 0; i < _bytes.Length; i++)
                _bytes[i] += other._bytes[i];
    }

    /// <summary>The value at every step that has at least one entry in its window, or null when no step has one.</summary>
    public StepSeries? ToSeries(Core.Labels labels, RangeOp op)
    {
        Flush();
        var seconds = _range / 1e9;
        StepSeries? result = null;
        long count = 0, bytes = 0;
        for (var i = 0; i < _steps; i++)
        {
            count += _counts[i];
            if (_bytes != null)
                bytes += _bytes[i];
            if (count <= 0)
                continue;
            var value = op switch
            {
                RangeOp.CountOverTime => count,
                RangeOp.Rate => count / seconds,
                RangeOp.BytesOverTime => bytes,
                RangeOp.BytesRate => bytes / seconds,
                _ => throw new InvalidOperationException($"{op} has no step-counter form"),
            };
            result ??= new StepSeries(labels, _steps);
            result.Set(i, value);
        }
        return result;
    }

    public static bool Supports(RangeOp op) => op is RangeOp.CountOverTime or RangeOp.Rate or RangeOp.BytesOverTime or RangeOp.BytesRate;

    private static long CeilDiv(long a, long b)
    {
        var q = a / b;
        return a % b > 0 ? q + 1 : q;
    }
}
