using Sawmill.LogQL.Syntax;

namespace Sawmill.LogQL.Engine;

/// <summary>
/// The value of a range aggregation over the samples of one window (timestamps ascending), Loki's definitions:
/// rate = count (or sum of unwrapped values) per second of the range; stdvar/stddev are population statistics;
/// quantile interpolates linearly like Prometheus; rate_counter is Prometheus's extrapolated counter rate.
/// </summary>
internal static class RangeFunctions
{
    public static double Apply(RangeOp op, ReadOnlySpan<long> ts, ReadOnlySpan<double> v, double sum, long rangeNs, double? param, long windowStartNs, long windowEndNs)
    {
        var seconds = rangeNs / 1e9;
        switch (op)
        {
            case RangeOp.CountOverTime:
                return v.Length;
            case RangeOp.Rate:
            case RangeOp.BytesRate:
                return sum / seconds;
            case RangeOp.BytesOverTime:
            case RangeOp.SumOverTime:
                return sum;
            case RangeOp.AvgOverTime:
                return Average(v);
            case RangeOp.MaxOverTime:
            {
                var m = v[0];
                foreach (var x in v)
                    if (x > m || double.IsNaN(m))
                        m = x;
                return m;
            }
            case RangeOp.MinOverTime:
            {
                var m = v[0];
                foreach (var x in v)
                    if (x < m || double.IsNaN(m))
                        m = x;
                return m;
            }
            case RangeOp.FirstOverTime:
                return v[0];
            case RangeOp.LastOverTime:
                return v[^1];
            case RangeOp.StdvarOverTime:
                return Variance(v);
            case RangeOp.StddevOverTime:
                return Math.Sqrt(Variance(v));
            case RangeOp.QuantileOverTime:
                return Quantile(param ?? 0, v);
            case RangeOp.RateCounter:
                return CounterRate(ts, v, windowStartNs, windowEndNs, seconds);
            case RangeOp.AbsentOverTime:
                return 1;
            default:
                throw new InvalidOperationException(op.ToString());
        }
    }

    private static double Variance(ReadOnlySpan<double> v)
    {
        double mean = 0, m2 = 0;
        for (var i = 0; i < v.Length; i++)
        {
            var delta = v[i] - mean;
            mean += delta / (i + 1);
            m2 += delta * (v[i] - mean);
        }
        return m2 / v.Length;
    }

    /// <summary>Prometheus's quantile: φ&lt;0 → -Inf, φ&gt;1 → +Inf, linear interpolation between ranks.</summary>
    /// <remarks>
    /// Needs only the two order statistics around the rank, so instead of sorting the window it selects them
    /// (quickselect, O(n)) in a pooled copy. NaNs order first, as in Go's <c>sort.Float64s</c> that Loki uses; the
    /// result is bit-identical to sorting (<see cref="QuantileBySort"/> is the reference the tests compare with).
    /// </remarks>
    public static double Quantile(double q, ReadOnlySpan<double> values)
    {
        if (QuantileOutOfRange(q, values.Length) is { } edge)
            return edge;
        var n = values.Length;
        var (lower, upper, weight) = QuantileRanks(q, n);
        var rented = System.Buffers.ArrayPool<double>.Shared.Rent(n);
        try
        {
            // The NaNs (first in sorted order) are counted, the other values copied.
            var m = 0;
            foreach (var v in values)
                if (!double.IsNaN(v))
                    rented[m++] = v;
            var nans = n - m;
            if (lower < nans)
                return double.NaN; // NaN * anything is NaN, whatever the upper value
            var rest = rented.AsSpan(0, m);
            var k = lower - nans;
            Select(rest, k);
            var lowerValue = rest[k];
            var upperValue = lowerValue;
            if (upper != lower)
            {
                // After the selection everything right of k is >= rest[k]: the next order statistic is their minimum.
                upperValue = rest[k + 1];
                for (var i = k + 2; i < rest.Length; i++)
                    if (rest[i] < upperValue)
                        upperValue = rest[i];
            }
            return lowerValue * (1 - weight) + upperValue * weight;
        }
        finally
        {
            System.Buffers.ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>The sorting definition of <see cref="Quantile"/>, kept as the reference for differential tests.</summary>
    internal static double QuantileBySort(double q, ReadOnlySpan<double> values)
    {
        if (QuantileOutOfRange(q, values.Length) is { } edge)
            return edge;
        var sorted = values.ToArray();
        Array.Sort(sorted);
        var (lower, upper, weight) = QuantileRanks(q, sorted.Length);
        return sorted[lower] * (1 - weight) + sorted[upper] * weight;
    }

    /// <summary>The answer without looking at the values: NaN for no values or a NaN φ, ∓Inf for φ outside [0, 1].</summary>
    private static double? QuantileOutOfRange(double q, int n) =>
        n == 0 || double.IsNaN(q) ? double.NaN : q < 0 ? double.NegativeInfinity : q > 1 ? double.PositiveInfinity : null;

    /// <summary>The two order statistics around rank φ·(n−1) and the weight of the upper one.</summary>
    private static (int Lower, int Upper, double Weight) QuantileRanks(double q, int n)
    {
        var rank = q * (n - 1);
        var lower = Math.Max(0, (int)Math.Floor(rank));
        return (lower, Math.Min(n - 1, lower + 1), rank - Math.Floor(rank));
    }

    /// <summary>
    /// Reorders <paramref name="a"/> (no NaNs) so that a[k] is its k-th smallest value, everything before it is
    /// &lt;= and everything after it &gt;= (Hoare quickselect, median-of-three pivots). Past a budget of rounds the
    /// remaining range is sorted instead, which bounds adversarial inputs at O(n log n).
    /// </summary>
    internal static void Select(Span<double> a, int k)
    {
        int lo = 0, hi = a.Length - 1;
        var budget = 2 * System.Numerics.BitOperations.Log2((uint)a.Length + 1) + 8;
        while (hi > lo)
        {
            if (budget-- == 0)
            {
                a[lo..(hi + 1)].Sort();
                return;
            }
            var mid = lo + ((hi - lo) >> 1);
            if (a[mid] < a[lo])
                (a[mid], a[lo]) = (a[lo], a[mid]);
            if (a[hi] < a[lo])
                (a[hi], a[lo]) = (a[lo], a[hi]);
            if (a[hi] < a[mid])
                (a[hi], a[mid]) = (a[mid], a[hi]);
            var pivot = a[mid];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (a[i] < pivot)
                    i++;
                while (a[j] > pivot)
                    j--;
                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            }
            // [lo, j] <= pivot, (j, i) == pivot, [i, hi] >= pivot
            if (k <= j)
                hi = j;
            else if (k >= i)
                lo = i;
            else
                return;
        }
    }

    /// <summary>Prometheus extrapolatedRate with counter resets, over the window (start, end].</summary>
    /// <summary>
    /// Loki's avg_over_time: <c>mean += x/n - mean/n</c>, keeping an infinite mean unless a NaN or an infinity of the
    /// other sign arrives.
    /// </summary>
    private static double Average(ReadOnlySpan<double> v)
    {
        double mean = 0, count = 0;
        foreach (var x in v)
        {
            count++;
            if (double.IsInfinity(mean))
            {
                if (double.IsInfinity(x) && (mean > 0) == (x > 0))
                    continue;
                if (!double.IsInfinity(x) && !double.IsNaN(x))
                    continue;
            }
            mean += x / count - mean / count;
        }
        return mean;
    }

    /// <summary>
    /// rate_counter as Loki computes it: Prometheus's extrapolated counter rate, fed with sample times in nanoseconds
    /// where it expects milliseconds. The window is taken to start one range before the first sample and to end at
    /// the last, so the start always counts as near (unless the zero point of the counter is nearer) and the end adds
    /// nothing; fewer than two samples give 0.
    /// </summary>
    private static double CounterRate(ReadOnlySpan<long> ts, ReadOnlySpan<double> v, long startNs, long endNs, double rangeSeconds)
    {
        if (v.Length < 2)
            return 0;
        var result = v[^1] - v[0];
        double last = 0;
        foreach (var x in v)
        {
            if (x < last)
                result += last;
            last = x;
        }
        var rangeMs = (long)Math.Round(rangeSeconds * 1000);
        var durationToStart = rangeMs / 1000.0;
        var sampled = (ts[^1] - ts[0]) / 1000.0;
        var avgInterval = sampled / (v.Length - 1);
        if (result > 0 && v[0] >= 0)
        {
            var durationToZero = sampled * (v[0] / result);
            if (durationToZero < durationToStart)
                durationToStart = durationToZero;
        }
        var threshold = avgInterval * 1.1;
        var extrapolate = sampled;
        extrapolate += durationToStart < threshold ? durationToStart : avgInterval / 2;
        extrapolate += 0 < threshold ? 0 : avgInterval / 2;
        result *= extrapolate / sampled;
        return result / rangeSeconds;
    }
}
